import { integerSetting } from "@chaos/mesh/server";
import type { ContestRules } from "./core/contest.js";

/** The world service's settings, read from the environment at start-up. */
export interface WorldConfig {
  /**
   * The capture clock: a tick every this many ms, numbered floor(unix ms /
   * interval) so every replica names the same tick alike.
   * CHAOS_WORLD_TICK_MS, default 5000.
   */
  readonly tickMs: number;
  /** How each tick moves a contest (see ContestRules). */
  readonly rules: ContestRules;
  /** TerritoryStream streams one player may have open on one replica. CHAOS_WORLD_MAX_STREAMS_PER_PLAYER, default 3. */
  readonly maxStreamsPerPlayer: number;
  /** Updates a stream may fall behind by before it is ended (the client re-opens it). CHAOS_WORLD_STREAM_QUEUE_LIMIT, default 1000. */
  readonly streamQueueLimit: number;
  /**
   * How often each replica with open streams compares the territories'
   * revisions with what its streams got, so an update whose live notice was
   * lost still arrives. CHAOS_WORLD_STREAM_SWEEP_MS, default 2000.
   */
  readonly streamSweepMs: number;
  /** The catalogue of zones and territories, a JSON file. CHAOS_WORLD_CATALOGUE, default the service's catalogue.json. */
  readonly cataloguePath: string;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadWorldConfig(env: NodeJS.ProcessEnv = process.env): WorldConfig {
  const rules: ContestRules = {
    gainPerMember: integerSetting(env, "CHAOS_WORLD_GAIN_PER_MEMBER", 10, 1, 100),
    maxGainPerTick: integerSetting(env, "CHAOS_WORLD_MAX_GAIN_PER_TICK", 30, 1, 100),
    contestedDecayPerMember: integerSetting(env, "CHAOS_WORLD_CONTESTED_DECAY_PER_MEMBER", 5, 0, 100),
    absentDecay: integerSetting(env, "CHAOS_WORLD_ABSENT_DECAY", 10, 1, 100),
  };
  return {
    tickMs: integerSetting(env, "CHAOS_WORLD_TICK_MS", 5_000, 50, 3_600_000),
    rules,
    maxStreamsPerPlayer: integerSetting(env, "CHAOS_WORLD_MAX_STREAMS_PER_PLAYER", 3, 1, 1_000),
    streamQueueLimit: integerSetting(env, "CHAOS_WORLD_STREAM_QUEUE_LIMIT", 1_000, 10, 1_000_000),
    streamSweepMs: integerSetting(env, "CHAOS_WORLD_STREAM_SWEEP_MS", 2_000, 50, 60_000),
    cataloguePath: env.CHAOS_WORLD_CATALOGUE ?? new URL("./catalogue.json", import.meta.url).pathname,
  };
}
