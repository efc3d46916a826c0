import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorReason as PlayerErrorReason, ErrorReasonSchema as PlayerErrorReasonSchema } from "@chaos/gen/chaos/player/v1/errors_pb.js";
import type { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { errorInfoOf, idempotencyKeyHeader, reasonName } from "@chaos/mesh/client";
import type { CharacterDirectory } from "../core/character-directory.js";

const playerDomain = "player.chaos.world";
const characterDefeated = reasonName(PlayerErrorReasonSchema, PlayerErrorReason.CHARACTER_DEFEATED);

/**
 * The core's CharacterDirectory over the player service's internal API.
 * Like handlers/, this is transport: it reads the player service's status
 * codes and ErrorInfo so that the core sees outcomes ("not found",
 * "already defeated") and combat's callers never see player's errors.
 */
export function createPlayerDirectory(player: Client<typeof PlayerInternalService>): CharacterDirectory {
  return {
    async find(characterId) {
      try {
        // A read is safe to retry; the contract does not mark it NO_SIDE_EFFECTS, so the key says so.
        const { character } = await player.getCharacterState({ characterId }, { headers: { [idempotencyKeyHeader]: `state:${characterId}` } });
        return character;
      } catch (error) {
        const failure = ConnectError.from(error);
        if (failure.code === Code.NotFound) return undefined;
        throw upstreamFailure(failure);
      }
    },
    async applyDamage(hit) {
      try {
        // ApplyDamage is idempotent by cast id, which makes it safe for the mesh to retry.
        const outcome = await player.applyDamage(hit, { headers: { [idempotencyKeyHeader]: hit.castId } });
        return { kind: "applied", healthAfter: outcome.healthAfter, defeated: outcome.defeated, duplicate: outcome.duplicate };
      } catch (error) {
        const failure = ConnectError.from(error);
        const info = errorInfoOf(failure);
        if (info?.domain === playerDomain && info.reason === characterDefeated) return { kind: "target_defeated" };
        if (failure.code === Code.NotFound) return { kind: "target_gone" };
        throw upstreamFailure(failure);
      }
    },
  };
}

/**
 * What combat's caller sees when player failed: "try again" failures keep
 * their code (UNAVAILABLE stays UNAVAILABLE, so clients and the gateway may
 * retry); anything else is combat's own INTERNAL, the cause kept for the log.
 */
function upstreamFailure(failure: ConnectError): ConnectError {
  switch (failure.code) {
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.ResourceExhausted:
    case Code.Canceled:
      return new ConnectError(`the player service did not answer: ${failure.rawMessage}`, failure.code, undefined, undefined, failure);
    default:
      return new ConnectError("internal error", Code.Internal, undefined, undefined, failure);
  }
}
