import type { JobHandlers } from "@chaos/mesh/domain";
import { matchStarted } from "./matchmaking-events.js";
import type { MatchRecord } from "./matchmaking-records.js";
import type { MatchJobs, MatchmakingStore } from "./matchmaking-store.js";

/** The game servers, as matchmaking needs them (clients/game-servers.ts calls chaos.gameserver.v1). */
export interface GameServers {
  /** Starts the match on a server; idempotent by match id. Returns the server's id. */
  allocate(match: MatchRecord): Promise<string>;
  /** Adds a backfilled player; false when the match is already over there (nothing to retry). */
  addPlayer(match: MatchRecord, characterId: string): Promise<boolean>;
}

/**
 * The job handlers that talk to the game servers after commit: a crash or a
 * refusal (a full server) retries them; both calls are idempotent on the
 * server, so a repeat is harmless.
 */
export function createAllocation(store: MatchmakingStore, servers: GameServers, clock: () => Date): JobHandlers<MatchJobs> {
  return {
    async allocate({ matchId }) {
      const match = await store.match(matchId);
      if (match === undefined || match.status !== "allocating") return;
      const serverId = await servers.allocate(match);
      await store.transaction(async (tx) => {
        const locked = await tx.lockMatch(matchId);
        if (locked?.status !== "allocating") return;
        await tx.updateMatch(matchId, { status: "running", serverId });
        await tx.publish([matchStarted(matchId, serverId, clock())]);
      });
    },
    async addPlayer({ matchId, characterId }) {
      const match = await store.match(matchId);
      if (match === undefined || (match.status !== "running" && match.status !== "allocating")) return;
      await servers.addPlayer(match, characterId);
    },
  };
}
