import { integerSetting } from "@chaos/mesh/server";
import type { QueueConfig } from "./core/queue-config.js";
import { createSeasonSchedule } from "./core/season-clock.js";

/** The matchmaking service's settings, read from the environment at start-up. */
export interface MatchmakingConfig {
  /**
   * The queues, as JSON: an array of {id, teamSize, ranked, initialWindow,
   * widenPerSecond, maxWindow, maxTeamGap, maxLatencyMs} (see QueueConfig).
   * CHAOS_MATCHMAKING_QUEUES, default ranked-1v1, ranked-3v3 and casual-3v3 (defaultQueues).
   */
  readonly queues: readonly QueueConfig[];
  /** Regions tickets may name, comma separated. CHAOS_MATCHMAKING_REGIONS, default "eu,na,asia". */
  readonly regions: readonly string[];
  /** How often a matching round runs (on one replica at a time). CHAOS_MATCHMAKING_ROUND_MS, default 1000. */
  readonly roundMs: number;
  /** Searching tickets one round considers per queue, oldest first. CHAOS_MATCHMAKING_ROUND_TICKET_LIMIT, default 20000. */
  readonly roundTicketLimit: number;
  /** How long players have to accept a proposed match. CHAOS_MATCHMAKING_READY_CHECK_SECONDS, default 20. */
  readonly readyCheckSeconds: number;
  /**
   * When seasons start, as a cron expression read in UTC (five fields, or six
   * with seconds). CHAOS_MATCHMAKING_SEASON_CRON, default "0 0 1 * *" (the
   * first of every month at midnight UTC).
   */
  readonly seasonCron: string;
  /** How often StreamTicketUpdates looks at its ticket. CHAOS_MATCHMAKING_STREAM_POLL_MS, default 500. */
  readonly streamPollMs: number;
}

/** The queues the issue names: a ranked duel, ranked and casual arenas of three. Ratings are mu on OpenSkill's scale (25 ± 25/3). */
export const defaultQueues: readonly QueueConfig[] = [
  { id: "ranked-1v1", teamSize: 1, ranked: true, initialWindow: 2, widenPerSecond: 0.5, maxWindow: 12, maxTeamGap: 12, maxLatencyMs: 200 },
  { id: "ranked-3v3", teamSize: 3, ranked: true, initialWindow: 3, widenPerSecond: 0.5, maxWindow: 12, maxTeamGap: 2, maxLatencyMs: 200 },
  { id: "casual-3v3", teamSize: 3, ranked: false, initialWindow: 5, widenPerSecond: 1, maxWindow: 20, maxTeamGap: 4, maxLatencyMs: 300 },
];

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadMatchmakingConfig(env: NodeJS.ProcessEnv = process.env): MatchmakingConfig {
  const regions = (env.CHAOS_MATCHMAKING_REGIONS ?? "eu,na,asia").split(",").map((r) => r.trim()).filter((r) => r !== "");
  if (regions.length === 0 || regions.some((r) => !/^[a-z0-9-]{1,32}$/.test(r))) throw new Error(`CHAOS_MATCHMAKING_REGIONS must list regions (a-z, 0-9, -), got "${env.CHAOS_MATCHMAKING_REGIONS}"`);
  const seasonCron = env.CHAOS_MATCHMAKING_SEASON_CRON || "0 0 1 * *";
  try {
    createSeasonSchedule(seasonCron).nextStart(new Date());
  } catch (error) {
    throw new Error(`CHAOS_MATCHMAKING_SEASON_CRON is not a cron expression that ever fires: "${seasonCron}" (${(error as Error).message})`);
  }
  return {
    queues: readQueues(env.CHAOS_MATCHMAKING_QUEUES),
    regions,
    roundMs: integerSetting(env, "CHAOS_MATCHMAKING_ROUND_MS", 1_000, 50, 60_000),
    roundTicketLimit: integerSetting(env, "CHAOS_MATCHMAKING_ROUND_TICKET_LIMIT", 20_000, 10, 1_000_000),
    readyCheckSeconds: integerSetting(env, "CHAOS_MATCHMAKING_READY_CHECK_SECONDS", 20, 1, 600),
    seasonCron,
    streamPollMs: integerSetting(env, "CHAOS_MATCHMAKING_STREAM_POLL_MS", 500, 20, 60_000),
  };
}

function readQueues(raw: string | undefined): readonly QueueConfig[] {
  if (raw === undefined || raw.trim() === "") return defaultQueues;
  const fail = (why: string): never => {
    throw new Error(`CHAOS_MATCHMAKING_QUEUES: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail("is not JSON");
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return fail("must be a non-empty JSON array of queues");
  const queues = parsed.map((q: Record<string, unknown>, i): QueueConfig => {
    const where = `queue ${i}`;
    const num = (key: string, min: number, max: number, integer = false) => {
      const v = q[key];
      if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) fail(`${where}: ${key} must be a ${integer ? "whole " : ""}number in [${min}, ${max}]`);
      return v as number;
    };
    if (typeof q.id !== "string" || !/^[a-z0-9-]{1,64}$/.test(q.id)) fail(`${where}: id must be 1-64 of a-z, 0-9, -`);
    if (typeof q.ranked !== "boolean") fail(`${where}: ranked must be true or false`);
    const queue = {
      id: q.id as string,
      teamSize: num("teamSize", 1, 8, true),
      ranked: q.ranked as boolean,
      initialWindow: num("initialWindow", 0, 1_000),
      widenPerSecond: num("widenPerSecond", 0, 1_000),
      maxWindow: num("maxWindow", 0, 1_000),
      maxTeamGap: num("maxTeamGap", 0, 1_000),
      maxLatencyMs: num("maxLatencyMs", 1, 10_000, true),
    };
    if (queue.maxWindow < queue.initialWindow) fail(`${where}: maxWindow must be at least initialWindow`);
    return queue;
  });
  const ids = new Set(queues.map((q) => q.id));
  if (ids.size !== queues.length) fail("two queues share an id");
  return queues;
}
