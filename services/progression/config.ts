import { integerSetting } from "@chaos/mesh/server";

/** The progression service's settings, read from the environment at start-up. */
export interface ProgressionConfig {
  /** Gold paid per level reached: level L pays L times this. CHAOS_PROGRESSION_LEVEL_REWARD_GOLD, default 50. */
  readonly levelRewardGold: number;
  /**
   * Attempts of a follow-up (leaderboard write, level reward, player's level)
   * at the backoff's pace before it is parked: kept, logged, and retried every
   * 15 min until it succeeds. CHAOS_PROGRESSION_FOLLOW_UP_ATTEMPTS, default 8
   * (with the backoff doubling from 1 s, about four minutes of fast tries).
   */
  readonly followUpAttempts: number;
  /** How long a leaderboard rebuild holds its lock at most. CHAOS_PROGRESSION_REBUILD_LOCK_SECONDS, default 60. */
  readonly rebuildLockSeconds: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadProgressionConfig(env: NodeJS.ProcessEnv = process.env): ProgressionConfig {
  return {
    levelRewardGold: integerSetting(env, "CHAOS_PROGRESSION_LEVEL_REWARD_GOLD", 50, 0, 1_000_000),
    followUpAttempts: integerSetting(env, "CHAOS_PROGRESSION_FOLLOW_UP_ATTEMPTS", 8, 1, 100),
    rebuildLockSeconds: integerSetting(env, "CHAOS_PROGRESSION_REBUILD_LOCK_SECONDS", 60, 1, 3_600),
  };
}
