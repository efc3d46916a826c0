import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { GameServerService } from "@chaos/gen/chaos/gameserver/v1/game_server_service_pb.js";
import type { GameServers } from "../core/allocation.js";
import { conservativeRank } from "../core/skill-rating.js";

/** The game servers over chaos.gameserver.v1.GameServerService; players are weighed by their conservative rating. */
export function createGameServers(client: () => Client<typeof GameServerService>): GameServers {
  return {
    async allocate(match) {
      const { serverId } = await client().allocateMatch({
        matchId: match.matchId,
        queueId: match.queueId,
        seed: match.seed,
        teams: match.teamMeans.map((_, teamIndex) => ({
          teamIndex,
          players: match.players.filter((p) => p.teamIndex === teamIndex && !p.backfill).map((p) => ({ characterId: p.characterId, rating: conservativeRank(p.rating) })),
        })),
      });
      return serverId;
    },
    async addPlayer(match, characterId) {
      const player = match.players.find((p) => p.characterId === characterId && p.backfill);
      if (player === undefined) return false;
      try {
        await client().addPlayer({ matchId: match.matchId, teamIndex: player.teamIndex, player: { characterId, rating: conservativeRank(player.rating) } });
        return true;
      } catch (error) {
        // The match ended on the server before the replacement got there: nothing left to do.
        if (ConnectError.from(error).code === Code.FailedPrecondition) return false;
        throw error;
      }
    },
  };
}
