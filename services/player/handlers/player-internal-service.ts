import type { ServiceImpl } from "@connectrpc/connect";
import type { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import type { Roster } from "../core/roster.js";
import type { Vitals } from "../core/vitals.js";
import { toCharacterMessage } from "./character-message.js";

/**
 * The internal API for other services (combat, progression). Who may call
 * which method is the mesh's authorization policy; no end user is involved.
 */
export function createPlayerInternalHandlers(roster: Roster, vitals: Vitals): ServiceImpl<typeof PlayerInternalService> {
  return {
    async getCharacterState(request) {
      return { character: toCharacterMessage(await roster.get(request.characterId)) };
    },
    async applyDamage(request) {
      return vitals.applyDamage({
        characterId: request.characterId,
        amount: request.amount,
        castId: request.castId,
        sourceCharacterId: request.sourceCharacterId,
      });
    },
    async setLevel(request) {
      return { character: toCharacterMessage(await vitals.setLevel(request.characterId, request.level)) };
    },
    async restoreCharacter(request) {
      return { character: toCharacterMessage(await vitals.restore(request.characterId)) };
    },
  };
}
