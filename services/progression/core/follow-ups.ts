import type { JobHandlers } from "@chaos/mesh/domain";
import type { Leaderboards } from "./leaderboards.js";
import type { FollowUpPayloads } from "./progress-records.js";

/** Pays level rewards; idempotent by the key it is given. */
export interface RewardPayer {
  grantGold(characterId: string, amount: number, idempotencyKey: string, reason: string): Promise<void>;
}

/** Tells the player service a character's level. */
export interface LevelKeeper {
  setLevel(characterId: string, level: number): Promise<void>;
}

/** What the follow-ups act on. */
export interface FollowUpTargets {
  readonly leaderboards: Leaderboards;
  readonly rewards: RewardPayer;
  readonly levels: LevelKeeper;
  /** Gold per level reached: reaching level L pays goldPerLevel·L. */
  readonly goldPerLevel: number;
}

/**
 * Does the work that follows committed progress changes, as the handlers of
 * their jobs: writes leaderboard scores (absolute values read from the
 * database, so order and repetition do not matter), pays the level reward
 * through inventory's GrantGold (keyed "level:<character>:<level>", so a
 * retry never pays twice) and sets the level in player. The mesh's worker
 * retries failures with backoff; one that keeps failing is parked (an error
 * log, chaos_jobs_parked) and retried every few minutes until it succeeds, so
 * a level's gold and player's level arrive late at worst, never not at all.
 */
export function createFollowUpHandlers(targets: FollowUpTargets): JobHandlers<FollowUpPayloads> {
  return {
    leaderboard: ({ characterId }) => targets.leaderboards.refresh(characterId),
    level_reward: ({ characterId, level }) =>
      targets.rewards.grantGold(characterId, targets.goldPerLevel * level, `level:${characterId}:${level}`, `level ${level} reached`),
    set_level: ({ characterId, level }) => targets.levels.setLevel(characterId, level),
  };
}
