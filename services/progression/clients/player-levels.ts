import type { Client } from "@connectrpc/connect";
import type { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { idempotencyKeyHeader } from "@chaos/mesh/client";
import type { LevelKeeper } from "../core/follow-ups.js";

/**
 * Player's copy of the level, through SetLevel. Setting the same level twice
 * is harmless, which the idempotency key tells the mesh (so it may retry).
 * The client is made on first use: a world without player (a test stack)
 * fails that follow-up, not progression's start-up.
 */
export function createPlayerLevels(connect: () => Client<typeof PlayerInternalService>): LevelKeeper {
  let player: Client<typeof PlayerInternalService> | undefined;
  return {
    async setLevel(characterId, level) {
      player ??= connect();
      await player.setLevel({ characterId, level }, { headers: { [idempotencyKeyHeader]: `level:${characterId}:${level}` } });
    },
  };
}
