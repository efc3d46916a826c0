/**
 * Matchmaking's rounds (issue: PvP matchmaking): how fast they form matches
 * and how good the matches are, next to a naive first-come pairing in the
 * same run, as ratios.
 *
 * - A burst: 10,000 tickets queued at once (their queue times spread over
 *   the last minute), one round over them; matches formed per second of the
 *   round's CPU, for the rating-window matcher and for first-come pairing.
 * - A simulated queue: the same 10,000 tickets arriving at 50 a second, a
 *   round every simulated second until the queue is empty or 10 minutes
 *   passed; time to match (simulated queue time, p50/p99) and match quality
 *   (rating spread per match, the gap between the teams' mean ratings).
 * - The burst again through PostgreSQL: the tickets in matchmaking's real
 *   store and one round of the service's own round code (claim the searching
 *   tickets, form, insert the matches, move the tickets, the outbox) in one
 *   transaction; matches per second of wall time.
 *
 * Every player accepts at once in the simulation: the ready check costs a
 * round trip per player, not a round, and its cost is the service tests'.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createDatabase, eventTableMigrations, jobQueueMigrations, migrate, readMigrations } from "@chaos/mesh";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { createTestDatabase } from "../scripts/test/test-database.js";
import { defaultQueues } from "../services/matchmaking/config.js";
import { formMatches, teamMean, type ProposedMatch, type QueuedTicket } from "../services/matchmaking/core/matcher.js";
import { teamsPerMatch, type QueueConfig } from "../services/matchmaking/core/queue-config.js";
import { createRounds } from "../services/matchmaking/core/rounds.js";
import { createSeasonSchedule } from "../services/matchmaking/core/season-clock.js";
import { createMatchmakingStore } from "../services/matchmaking/store/matchmaking-store.js";

/** Sizes; {@link defaultMatchmakingPlan} is what `npm run bench` uses (about a minute). */
export interface MatchmakingPlan {
  readonly tickets: number;
  /** Arrivals per simulated second in the simulated queue. */
  readonly arrivalsPerSecond: number;
  /** The simulated queue stops after this many simulated seconds. */
  readonly maxSeconds: number;
}

export const defaultMatchmakingPlan: MatchmakingPlan = { tickets: 10_000, arrivalsPerSecond: 50, maxSeconds: 600 };

/** One way of forming matches. */
type Matcher = (tickets: readonly QueuedTicket[], queue: QueueConfig, now: Date) => ProposedMatch[];

export interface MatcherRow {
  readonly name: string;
  /** The burst: one round over every ticket queued at once. */
  readonly burst: { readonly matches: number; readonly ms: number; readonly matchesPerSecond: number };
  /** The simulated queue. */
  readonly queue: {
    readonly matched: number;
    readonly leftOver: number;
    readonly waitP50Seconds: number;
    readonly waitP99Seconds: number;
    readonly spreadMean: number;
    readonly spreadP90: number;
    readonly teamGapMean: number;
    readonly teamGapMax: number;
    readonly roundMsP99: number;
  };
}

export interface MatchmakingBenchResult {
  readonly plan: MatchmakingPlan;
  readonly queues: readonly QueueConfig[];
  readonly rows: readonly MatcherRow[];
  /** The burst through matchmaking's store and round code in PostgreSQL. */
  readonly postgres: { readonly tickets: number; readonly matches: number; readonly ms: number; readonly matchesPerSecond: number };
}

/**
 * First come, first paired: per region, tickets in queue order fill the first
 * team then the second (a party that does not fit waits), ratings ignored.
 */
export const firstComePairing: Matcher = (tickets, queue) => {
  const byRegion = new Map<string, QueuedTicket[]>();
  for (const t of [...tickets].sort((a, b) => a.enqueuedAt.getTime() - b.enqueuedAt.getTime())) {
    const list = byRegion.get(t.region) ?? [];
    list.push(t);
    byRegion.set(t.region, list);
  }
  const matches: ProposedMatch[] = [];
  for (const [region, list] of byRegion) {
    let teams: QueuedTicket[][] = [[], []];
    let sizes = [0, 0];
    for (const t of list) {
      const side = sizes[0]! + t.characterIds.length <= queue.teamSize ? 0 : sizes[1]! + t.characterIds.length <= queue.teamSize ? 1 : -1;
      if (side === -1) continue;
      teams[side]!.push(t);
      sizes[side]! += t.characterIds.length;
      if (sizes[0] === queue.teamSize && sizes[1] === queue.teamSize) {
        const ratings = teams.flat().map((k) => k.rating);
        matches.push({ region, teams: teams.map((ts) => ({ tickets: ts, meanRating: teamMean(ts) })), window: Infinity, spread: Math.max(...ratings) - Math.min(...ratings) });
        teams = [[], []];
        sizes = [0, 0];
      }
    }
  }
  return matches;
};

/** A seeded generator (mulberry32): the same tickets every run, and for both matchers. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The bench's tickets: ratings around 25 (sd about 6), three regions (eu the busiest), arena parties of 1-3. */
function makeTickets(count: number, queues: readonly QueueConfig[], start: number, spacingMs: number): Map<string, QueuedTicket[]> {
  const random = seeded(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const byQueue = new Map<string, QueuedTicket[]>(queues.map((q) => [q.id, []]));
  for (let i = 0; i < count; i++) {
    const queue = queues[i % queues.length]!;
    const roll = random();
    const size = queue.teamSize === 1 ? 1 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
    const region = random() < 0.5 ? "eu" : random() < 0.6 ? "na" : "asia";
    byQueue.get(queue.id)!.push({
      ticketId: randomUUID(),
      characterIds: Array.from({ length: Math.min(size, queue.teamSize) }, () => randomUUID()),
      region,
      rating: Math.max(0, Math.min(50, 25 + 6 * normal())),
      enqueuedAt: new Date(start + i * spacingMs),
    });
  }
  return byQueue;
}

const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length);

function burst(matcher: Matcher, plan: MatchmakingPlan, queues: readonly QueueConfig[]): MatcherRow["burst"] {
  const now = Date.now();
  // Queued over the last minute: windows from narrow to wide, as in a busy queue.
  const byQueue = makeTickets(plan.tickets, queues, now - 60_000, 60_000 / plan.tickets);
  const began = performance.now();
  let matches = 0;
  for (const queue of queues) matches += matcher(byQueue.get(queue.id)!, queue, new Date(now)).length;
  const ms = performance.now() - began;
  return { matches, ms, matchesPerSecond: matches / (ms / 1000) };
}

function simulatedQueue(matcher: Matcher, plan: MatchmakingPlan, queues: readonly QueueConfig[]): MatcherRow["queue"] {
  const start = Date.UTC(2026, 11, 1);
  const arrivals = makeTickets(plan.tickets, queues, start, 1000 / plan.arrivalsPerSecond);
  const waiting = new Map<string, QueuedTicket[]>(queues.map((q) => [q.id, []]));
  const next = new Map<string, number>(queues.map((q) => [q.id, 0]));
  const waits: number[] = [];
  const spreads: number[] = [];
  const gaps: number[] = [];
  const roundMs: number[] = [];
  for (let second = 1; second <= plan.maxSeconds; second++) {
    const now = start + second * 1000;
    let pending = 0;
    for (const queue of queues) {
      const all = arrivals.get(queue.id)!;
      let i = next.get(queue.id)!;
      const list = waiting.get(queue.id)!;
      while (i < all.length && all[i]!.enqueuedAt.getTime() <= now) list.push(all[i++]!);
      next.set(queue.id, i);
      const began = performance.now();
      const formed = matcher(list, queue, new Date(now));
      roundMs.push(performance.now() - began);
      const taken = new Set<string>();
      for (const m of formed) {
        spreads.push(m.spread);
        gaps.push(Math.abs(m.teams[0]!.meanRating - m.teams[1]!.meanRating));
        for (const team of m.teams) for (const t of team.tickets) {
          taken.add(t.ticketId);
          for (let p = 0; p < t.characterIds.length; p++) waits.push((now - t.enqueuedAt.getTime()) / 1000);
        }
      }
      waiting.set(queue.id, list.filter((t) => !taken.has(t.ticketId)));
      pending += waiting.get(queue.id)!.length + (all.length - i);
    }
    if (pending === 0) break;
  }
  waits.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  roundMs.sort((a, b) => a - b);
  const leftOver = [...waiting.values()].reduce((n, list) => n + list.length, 0);
  return {
    matched: spreads.length,
    leftOver,
    waitP50Seconds: percentile(waits, 0.5),
    waitP99Seconds: percentile(waits, 0.99),
    spreadMean: mean(spreads),
    spreadP90: percentile(spreads, 0.9),
    teamGapMean: mean(gaps),
    teamGapMax: Math.max(0, ...gaps),
    roundMsP99: percentile(roundMs, 0.99),
  };
}

/** The burst through matchmaking's store: the tickets inserted, then one round of the service's round code. */
async function throughPostgres(infra: InfraEndpoints, plan: MatchmakingPlan, queues: readonly QueueConfig[]): Promise<MatchmakingBenchResult["postgres"]> {
  const database = await createTestDatabase(infra.postgresAdminUrl, `chaos_bench_matchmaking_${Date.now()}`);
  const db = createDatabase(database.url);
  try {
    await migrate(db.pool, [...eventTableMigrations, ...jobQueueMigrations, ...readMigrations(fileURLToPath(new URL("../services/matchmaking/migrations", import.meta.url)))]);
    const store = createMatchmakingStore(db, "spiffe://chaos.world/ns/chaos/sa/matchmaking");
    const now = Date.now();
    const rounds = createRounds(store, { queues, schedule: createSeasonSchedule("0 0 1 * *"), readyCheckMs: 20_000, ticketLimit: plan.tickets }, () => new Date(now));
    const byQueue = makeTickets(plan.tickets, queues, now - 60_000, 60_000 / plan.tickets);
    await store.transaction(async (tx) => {
      for (const [queueId, list] of byQueue)
        for (const t of list)
          await tx.insertTicket({ ...t, queueId, latencyMs: 40, status: "searching", matchId: undefined, cause: undefined, closedAt: undefined });
    });
    const began = performance.now();
    const report = await rounds.run();
    const ms = performance.now() - began;
    return { tickets: plan.tickets, matches: report.formed.length, ms, matchesPerSecond: report.formed.length / (ms / 1000) };
  } finally {
    await db.close();
    await database.drop();
  }
}

export async function runMatchmakingBench(infra: InfraEndpoints, plan: MatchmakingPlan = defaultMatchmakingPlan): Promise<MatchmakingBenchResult> {
  const queues = defaultQueues;
  const matchers: [string, Matcher][] = [
    ["rating window (matchmaking's matcher)", formMatches],
    ["first come (naive baseline)", firstComePairing],
  ];
  const rows = matchers.map(([name, matcher]) => ({ name, burst: burst(matcher, plan, queues), queue: simulatedQueue(matcher, plan, queues) }));
  return { plan, queues, rows, postgres: await throughPostgres(infra, plan, queues) };
}

/** The result as bench/RESULTS.md's section. */
export function matchmakingTable(result: MatchmakingBenchResult): string[] {
  const [smart, naive] = result.rows as [MatcherRow, MatcherRow];
  const ratio = (a: number, b: number) => (b === 0 ? "-" : (a / b).toFixed(2));
  const players = teamsPerMatch;
  return [
    "## Matchmaking rounds: the rating-window matcher next to first-come pairing",
    "",
    `${result.plan.tickets.toLocaleString("en")} tickets over the default queues (${result.queues.map((q) => `${q.id}: ${q.teamSize}v${q.teamSize}, window ${q.initialWindow} +${q.widenPerSecond}/s up to ${q.maxWindow}, team gap <= ${q.maxTeamGap}`).join("; ")}), ${players} teams a match; ratings are mu (25 ± 6), three regions, arena parties of 1-3. Same seeded tickets for both matchers.`,
    "",
    "| matcher | burst: matches | burst ms | matches/s | sim: matched | left over | wait p50 s | wait p99 s | spread mean | spread p90 | team gap mean | team gap max | round p99 ms |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...result.rows.map(
      (r) =>
        `| ${r.name} | ${r.burst.matches} | ${r.burst.ms.toFixed(1)} | ${r.burst.matchesPerSecond.toFixed(0)} | ${r.queue.matched} | ${r.queue.leftOver} | ${r.queue.waitP50Seconds.toFixed(1)} | ${r.queue.waitP99Seconds.toFixed(1)} | ${r.queue.spreadMean.toFixed(2)} | ${r.queue.spreadP90.toFixed(2)} | ${r.queue.teamGapMean.toFixed(2)} | ${r.queue.teamGapMax.toFixed(2)} | ${r.queue.roundMsP99.toFixed(2)} |`,
    ),
    "",
    `Ratios, matcher / first come: matches/s ${ratio(smart.burst.matchesPerSecond, naive.burst.matchesPerSecond)}, wait p50 ${ratio(smart.queue.waitP50Seconds, naive.queue.waitP50Seconds)}, wait p99 ${ratio(smart.queue.waitP99Seconds, naive.queue.waitP99Seconds)}, spread mean ${ratio(smart.queue.spreadMean, naive.queue.spreadMean)}, team gap mean ${ratio(smart.queue.teamGapMean, naive.queue.teamGapMean)}.`,
    "",
    `Through PostgreSQL (matchmaking's store and round code, one transaction): ${result.postgres.tickets.toLocaleString("en")} searching tickets, ${result.postgres.matches} matches in ${result.postgres.ms.toFixed(0)} ms, ${result.postgres.matchesPerSecond.toFixed(0)} matches/s (${ratio(result.postgres.matchesPerSecond, smart.burst.matchesPerSecond)} of the matcher alone).`,
    "",
    "Wait is simulated queue time (arrivals at " + `${result.plan.arrivalsPerSecond}/s, a round every simulated second, everyone accepting at once); burst and round times are this machine's CPU.`,
    "",
  ];
}
