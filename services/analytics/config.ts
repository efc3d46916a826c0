import { integerSetting } from "@chaos/mesh/server";

/** The analytics service's settings, read from the environment at start-up. */
export interface AnalyticsConfig {
  /** Hour buckets one query may span. CHAOS_ANALYTICS_MAX_HOUR_BUCKETS, default 744 (31 days). */
  readonly maxHourBuckets: number;
  /** Day buckets one query may span. CHAOS_ANALYTICS_MAX_DAY_BUCKETS, default 366. */
  readonly maxDayBuckets: number;
  /** Recorded events one rebuild step replays in one transaction. CHAOS_ANALYTICS_REBUILD_BATCH, default 500. */
  readonly rebuildBatchSize: number;
  /** Failed runs of one rebuild step before the rebuild is FAILED. CHAOS_ANALYTICS_REBUILD_MAX_ATTEMPTS, default 5. */
  readonly rebuildMaxAttempts: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  return {
    maxHourBuckets: integerSetting(env, "CHAOS_ANALYTICS_MAX_HOUR_BUCKETS", 744, 1, 8_784),
    maxDayBuckets: integerSetting(env, "CHAOS_ANALYTICS_MAX_DAY_BUCKETS", 366, 1, 3_660),
    rebuildBatchSize: integerSetting(env, "CHAOS_ANALYTICS_REBUILD_BATCH", 500, 1, 10_000),
    rebuildMaxAttempts: integerSetting(env, "CHAOS_ANALYTICS_REBUILD_MAX_ATTEMPTS", 5, 1, 100),
  };
}
