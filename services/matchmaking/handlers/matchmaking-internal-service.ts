import type { ServiceImpl } from "@connectrpc/connect";
import type { MatchmakingInternalService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import type { Results } from "../core/results.js";

/** What the game server reports; the policy lets only the gameserver workload (and operators) call it. */
export function createMatchmakingInternalHandlers(results: Results): ServiceImpl<typeof MatchmakingInternalService> {
  return {
    async reportMatchResult(request) {
      return results.report({ matchId: request.matchId, winningTeam: request.winningTeamIndex, draw: request.draw, leavers: request.leaverCharacterIds });
    },
    async reportPlayerLeft(request) {
      const left = await results.playerLeft(request.matchId, request.characterId);
      return { backfillRequested: left.backfillRequested, replacementCharacterId: left.replacement ?? "", teamIndex: left.teamIndex };
    },
  };
}
