import { matchCancelled, ticketCancelled } from "./matchmaking-events.js";
import type { MatchRecord, TicketCause } from "./matchmaking-records.js";
import type { MatchmakingStore, MatchmakingTransaction } from "./matchmaking-store.js";
import { refuse, requireOwner } from "./refusals.js";

export interface ReadyCheck {
  accept(playerId: string, matchId: string, characterId: string): Promise<MatchRecord>;
  decline(playerId: string, matchId: string, characterId: string): Promise<MatchRecord>;
  /** A match the player's character is (or was) in. */
  view(playerId: string, matchId: string, characterId: string): Promise<MatchRecord>;
}

/**
 * Ends a failed ready check: the tickets of `missing` (who declined, or did
 * not answer in time) end with `cause`; every other ticket goes back to the
 * queue with its original enqueue time, so its window goes on from where it was.
 */
export async function failReadyCheck(tx: MatchmakingTransaction, match: MatchRecord, missing: readonly string[], cause: Extract<TicketCause, "declined" | "expired">, at: Date): Promise<void> {
  const players = match.players.filter((p) => !p.backfill);
  const ended = [...new Set(players.filter((p) => missing.includes(p.characterId)).map((p) => p.ticketId))];
  const back = [...new Set(players.map((p) => p.ticketId))].filter((t) => !ended.includes(t));
  await tx.updateTickets(ended, { status: cause === "declined" ? "cancelled" : "expired", cause, closedAt: at });
  await tx.updateTickets(back, { status: "searching", matchId: null });
  await tx.updateMatch(match.matchId, { status: "cancelled" });
  await tx.publish([matchCancelled(match.matchId, missing), ...ended.map((t) => ticketCancelled(t, cause))]);
}

export function createReadyCheck(store: MatchmakingStore, clock: () => Date): ReadyCheck {
  /** The match, locked, while its ready check still runs and the character is in it. */
  const openCheck = async (tx: MatchmakingTransaction, matchId: string, characterId: string, now: Date) => {
    const match = await tx.lockMatch(matchId);
    if (match === undefined) throw refuse.matchNotFound();
    if (!match.players.some((p) => p.characterId === characterId && !p.backfill)) throw refuse.readyCheckClosed("the character is not in this match");
    if (match.status !== "ready_check" || now.getTime() >= match.readyCheckEndsAt.getTime()) throw refuse.readyCheckClosed("the ready check is over");
    return match;
  };
  return {
    async view(playerId, matchId, characterId) {
      await requireOwner(store, playerId, characterId);
      const match = await store.match(matchId);
      if (match === undefined || !match.players.some((p) => p.characterId === characterId)) throw refuse.matchNotFound();
      return match;
    },
    async accept(playerId, matchId, characterId) {
      await requireOwner(store, playerId, characterId);
      return store.transaction(async (tx) => {
        const now = clock();
        const match = await openCheck(tx, matchId, characterId, now);
        await tx.markAccepted(matchId, characterId);
        const players = match.players.map((p) => (p.characterId === characterId ? { ...p, accepted: true } : p));
        if (players.every((p) => p.accepted)) {
          // Everyone is in: the tickets are done (their time to match ends here) and a game server is asked for, after commit.
          await tx.updateTickets([...new Set(players.map((p) => p.ticketId))], { status: "matched", closedAt: now });
          await tx.updateMatch(matchId, { status: "allocating" });
          await tx.schedule("allocate", { matchId });
          return { ...match, players, status: "allocating" };
        }
        return { ...match, players };
      });
    },
    async decline(playerId, matchId, characterId) {
      await requireOwner(store, playerId, characterId);
      return store.transaction(async (tx) => {
        const now = clock();
        const match = await openCheck(tx, matchId, characterId, now);
        await failReadyCheck(tx, match, [characterId], "declined", now);
        return { ...match, status: "cancelled" };
      });
    },
  };
}
