import { randomBytes, randomUUID } from "node:crypto";
import { fillHole } from "./backfill.js";
import { formMatches, type ProposedMatch } from "./matcher.js";
import { matchFound } from "./matchmaking-events.js";
import type { MatchPlayerRecord, MatchRecord } from "./matchmaking-records.js";
import type { MatchmakingStore, MatchmakingTransaction } from "./matchmaking-store.js";
import type { QueueConfig } from "./queue-config.js";
import { failReadyCheck } from "./ready-check.js";
import { seasonsToOpen, type Season, type SeasonSchedule } from "./season-clock.js";
import { startingRating, type SkillRating } from "./skill-rating.js";

/** What one round did. */
export interface RoundReport {
  /** False when another replica's round held the lock: this one did nothing. */
  readonly ran: boolean;
  readonly season: Season | undefined;
  readonly formed: readonly MatchRecord[];
  readonly expired: number;
  readonly backfilled: number;
}

export interface RoundSettings {
  readonly queues: readonly QueueConfig[];
  readonly schedule: SeasonSchedule;
  readonly readyCheckMs: number;
  readonly ticketLimit: number;
}

/**
 * One matching round, in one transaction under the round lock (a PostgreSQL
 * advisory lock held until commit, so one replica forms matches at a time and
 * another replica's timer simply skips): open the season the clock is in,
 * end ready checks past their deadline, fill holes leavers left, then form
 * matches in every queue from its searching tickets.
 */
export function createRounds(store: MatchmakingStore, settings: RoundSettings, clock: () => Date): { run(): Promise<RoundReport> } {
  const queueById = new Map(settings.queues.map((q) => [q.id, q]));
  const currentSeason = async (tx: MatchmakingTransaction, now: Date) => {
    const current = await tx.lockCurrentSeason();
    const opened = seasonsToOpen(settings.schedule, current, now);
    await tx.insertSeasons(opened);
    return opened.at(-1) ?? current!;
  };
  const toRecord = (queue: QueueConfig, proposed: ProposedMatch, kept: ReadonlyMap<string, SkillRating>, season: Season, now: Date): MatchRecord => {
    const players: MatchPlayerRecord[] = proposed.teams.flatMap((team, teamIndex) =>
      team.tickets.flatMap((ticket) =>
        ticket.characterIds.map((characterId) => ({
          characterId,
          ticketId: ticket.ticketId,
          teamIndex,
          rating: kept.get(characterId) ?? startingRating(),
          accepted: false,
          backfill: false,
          left: false,
        })),
      ),
    );
    const ratings = proposed.teams.flatMap((t) => t.tickets.map((k) => k.rating));
    return {
      matchId: randomUUID(),
      queueId: queue.id,
      region: proposed.region,
      seasonNumber: season.number,
      status: "ready_check",
      createdAt: now,
      readyCheckEndsAt: new Date(now.getTime() + settings.readyCheckMs),
      window: proposed.window,
      low: Math.min(...ratings),
      high: Math.max(...ratings),
      teamMeans: proposed.teams.map((t) => t.meanRating),
      players,
      serverId: undefined,
      // 63 bits: it fits PostgreSQL's bigint and the contract's uint64.
      seed: BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()),
    };
  };
  return {
    run: () =>
      store.transaction(async (tx): Promise<RoundReport> => {
        if (!(await tx.tryRoundLock())) return { ran: false, season: undefined, formed: [], expired: 0, backfilled: 0 };
        const now = clock();
        const season = await currentSeason(tx, now);
        const expired = await tx.expiredReadyChecks(now, 1_000);
        for (const matchId of expired) {
          const match = (await tx.lockMatch(matchId))!;
          await failReadyCheck(tx, match, match.players.filter((p) => !p.accepted).map((p) => p.characterId), "expired", now);
        }
        let backfilled = 0;
        for (const hole of await tx.openHoles(100)) {
          const match = await tx.match(hole.matchId);
          const queue = match === undefined ? undefined : queueById.get(match.queueId);
          if (queue !== undefined && (await fillHole(tx, queue, hole, settings.ticketLimit, now)) !== undefined) backfilled++;
        }
        const formed: MatchRecord[] = [];
        for (const queue of settings.queues) {
          const tickets = await tx.claimSearching(queue.id, settings.ticketLimit);
          const proposed = formMatches(tickets, queue, now);
          if (proposed.length === 0) continue;
          // One read of the ratings and a few writes per queue, whatever the number of matches: the round holds its
          // tickets' rows (and the round lock) until it commits.
          const ids = proposed.flatMap((m) => m.teams.flatMap((t) => t.tickets.flatMap((k) => k.characterIds)));
          const kept = new Map((await tx.ratings(queue.id, queue.ranked ? season.number : 0, ids)).map((r) => [r.characterId, r.rating]));
          const matches = proposed.map((m) => toRecord(queue, m, kept, season, now));
          await tx.insertMatches(matches);
          await tx.assignTickets(matches.flatMap((m) => [...new Set(m.players.map((p) => p.ticketId))].map((ticketId) => ({ ticketId, matchId: m.matchId }))));
          formed.push(...matches);
        }
        await tx.publish(formed.map(matchFound));
        return { ran: true, season, formed, expired: expired.length, backfilled };
      }),
  };
}
