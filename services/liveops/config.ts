import { integerSetting } from "@chaos/mesh/server";

/** The liveops service's settings, read from the environment at start-up. */
export interface LiveopsConfig {
  /** How often the schedule job looks for occurrences that started or ended. CHAOS_LIVEOPS_SCHEDULE_TICK_MS, default 1000. */
  readonly scheduleTickMs: number;
  /** Longest schedule, start to end, in days. CHAOS_LIVEOPS_MAX_SCHEDULE_DAYS, default 366. */
  readonly maxScheduleDays: number;
  /** Occurrences of a recurring event checked for overlap when it is scheduled. CHAOS_LIVEOPS_OVERLAP_CHECKS, default 1000. */
  readonly overlapChecks: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadLiveopsConfig(env: NodeJS.ProcessEnv = process.env): LiveopsConfig {
  return {
    scheduleTickMs: integerSetting(env, "CHAOS_LIVEOPS_SCHEDULE_TICK_MS", 1_000, 50, 60_000),
    maxScheduleDays: integerSetting(env, "CHAOS_LIVEOPS_MAX_SCHEDULE_DAYS", 366, 1, 3_660),
    overlapChecks: integerSetting(env, "CHAOS_LIVEOPS_OVERLAP_CHECKS", 1_000, 1, 100_000),
  };
}
