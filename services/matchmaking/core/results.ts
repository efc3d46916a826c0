import { fillHole } from "./backfill.js";
import { matchCompleted, ratingUpdated } from "./matchmaking-events.js";
import type { RatingRecord, ResultRecord } from "./matchmaking-records.js";
import type { MatchmakingStore } from "./matchmaking-store.js";
import type { QueueConfig } from "./queue-config.js";
import { queueOf, refuse } from "./refusals.js";
import { rateMatch, startingRating, type RatedPlayer } from "./skill-rating.js";

/** A result as the game server reports it. */
export interface ReportedResult {
  readonly matchId: string;
  readonly winningTeam: number;
  readonly draw: boolean;
  readonly leavers: readonly string[];
}

/** What ReportPlayerLeft did. */
export interface LeftReport {
  readonly backfillRequested: boolean;
  /** The queued player who took the place, when one fitted at once. */
  readonly replacement: string | undefined;
  readonly teamIndex: number;
}

export interface Results {
  /** Records the result and rates every player once; `duplicate` when the same result came before. */
  report(result: ReportedResult): Promise<{ duplicate: boolean }>;
  playerLeft(matchId: string, characterId: string): Promise<LeftReport>;
}

const sameResult = (a: ResultRecord, b: ResultRecord) => a.winningTeam === b.winningTeam && a.draw === b.draw && a.leavers.join() === b.leavers.join();

/**
 * Results and leavers, as the game server reports them. A result counts in
 * the season the match was formed in, even when it arrives after that season
 * ended: the players were matched on that season's ratings, and the match
 * belongs to its leaderboard (the new season starts everyone afresh anyway).
 */
export function createResults(store: MatchmakingStore, settings: { queues: readonly QueueConfig[]; ticketLimit: number }, clock: () => Date): Results {
  return {
    async report(reported) {
      return store.transaction(async (tx) => {
        const match = await tx.lockMatch(reported.matchId);
        if (match === undefined) throw refuse.matchNotFound();
        const result: ResultRecord = {
          matchId: match.matchId,
          winningTeam: reported.draw ? -1 : reported.winningTeam,
          draw: reported.draw,
          leavers: [...new Set(reported.leavers)].sort(),
        };
        const earlier = await tx.result(match.matchId);
        if (earlier !== undefined) {
          if (sameResult(earlier, result)) return { duplicate: true };
          throw refuse.resultConflict();
        }
        if (match.status !== "running" && match.status !== "allocating") throw refuse.invalidResult(`the match is ${match.status.replace("_", " ")}, not running`);
        if (!reported.draw && (reported.winningTeam < 0 || reported.winningTeam >= match.teamMeans.length)) throw refuse.invalidResult(`team ${reported.winningTeam} is not in the match`);
        const inMatch = new Set(match.players.map((p) => p.characterId));
        const stranger = result.leavers.find((c) => !inMatch.has(c));
        if (stranger !== undefined) throw refuse.invalidResult(`leaver ${stranger} is not in the match`);

        const queue = queueOf(settings.queues, match.queueId);
        const season = queue.ranked ? match.seasonNumber : 0;
        const leavers = new Set([...result.leavers, ...match.players.filter((p) => p.left).map((p) => p.characterId)]);
        const ids = match.players.map((p) => p.characterId);
        const kept = new Map((await tx.lockRatings(match.queueId, season, ids)).map((r) => [r.characterId, r]));
        const before = (characterId: string): RatingRecord =>
          kept.get(characterId) ?? { characterId, queueId: match.queueId, seasonNumber: season, rating: startingRating(), wins: 0, losses: 0, draws: 0 };
        const teams: RatedPlayer[][] = match.teamMeans.map((_, t) => match.players.filter((p) => p.teamIndex === t).map((p) => ({ characterId: p.characterId, rating: before(p.characterId).rating })));
        const rated = rateMatch(teams, reported.draw ? { kind: "draw" } : { kind: "win", winningTeam: reported.winningTeam }, leavers);
        const updates = match.players.map((p) => {
          const b = before(p.characterId);
          const won = !reported.draw && !leavers.has(p.characterId) && p.teamIndex === reported.winningTeam;
          const drew = reported.draw && !leavers.has(p.characterId);
          return {
            before: b,
            after: { ...b, rating: rated.get(p.characterId)!, wins: b.wins + (won ? 1 : 0), draws: b.draws + (drew ? 1 : 0), losses: b.losses + (won || drew ? 0 : 1) },
          };
        });
        await tx.saveRatings(updates.map((u) => u.after));
        await tx.insertResult(result);
        await tx.updateMatch(match.matchId, { status: "completed" });
        await tx.publish([matchCompleted(match, result, clock()), ...updates.map((u) => ratingUpdated(match.matchId, u.before, u.after))]);
        return { duplicate: false };
      });
    },
    async playerLeft(matchId, characterId) {
      return store.transaction(async (tx) => {
        const match = await tx.lockMatch(matchId);
        if (match === undefined) throw refuse.matchNotFound();
        const player = match.players.find((p) => p.characterId === characterId);
        if (player === undefined) throw refuse.invalidResult(`character ${characterId} is not in the match`);
        const earlier = await tx.hole(matchId, characterId);
        if (earlier !== undefined) return { backfillRequested: true, replacement: earlier.filledBy, teamIndex: earlier.teamIndex };
        if (match.status !== "running" && match.status !== "allocating") return { backfillRequested: false, replacement: undefined, teamIndex: player.teamIndex };
        await tx.markLeft(matchId, characterId);
        await tx.openHole(matchId, player.teamIndex, characterId);
        const replacement = await fillHole(tx, queueOf(settings.queues, match.queueId), { matchId, teamIndex: player.teamIndex, characterId }, settings.ticketLimit, clock());
        return { backfillRequested: true, replacement, teamIndex: player.teamIndex };
      });
    },
  };
}
