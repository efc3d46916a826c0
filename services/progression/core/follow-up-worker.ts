import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { ClaimedFollowUp, FollowUpStore } from "../store/follow-up-store.js";
import type { Leaderboards } from "./leaderboards.js";

/** Pays level rewards; idempotent by the key it is given. */
export interface RewardPayer {
  grantGold(characterId: string, amount: number, idempotencyKey: string, reason: string): Promise<void>;
}

/** Tells the player service a character's level. */
export interface LevelKeeper {
  setLevel(characterId: string, level: number): Promise<void>;
}

/** Worker settings; every field has a documented default. */
export interface FollowUpWorkerOptions {
  readonly store: FollowUpStore;
  readonly leaderboards: Leaderboards;
  readonly rewards: RewardPayer;
  readonly levels: LevelKeeper;
  readonly logger: Logger;
  /** Gold per level reached: reaching level L pays goldPerLevel·L. */
  readonly goldPerLevel: number;
  /** Attempts before a follow-up is given up (logged as an error and counted). Default 8. */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each attempt up to 60 s. Default 1 s. */
  readonly initialBackoffMs?: number;
  /** How often due retries are looked for when no commit wakes the worker. Default 1 s. */
  readonly pollIntervalMs?: number;
  readonly registry?: Registry;
}

export interface FollowUpWorker {
  stop(): Promise<void>;
}

/** Follow-ups taken per round. */
const claimBatch = 50;
/** A claimed follow-up is hidden from other workers this long (a crashed worker's claims come back then). */
const leaseMs = 30_000;

/**
 * Does the work that follows committed progress changes: writes leaderboard
 * scores (absolute values read from the database, so order and repetition
 * do not matter), pays the level reward through inventory's GrantGold (keyed
 * "level:<character>:<level>", so a retry never pays twice) and sets the
 * level in player. Woken by the commit itself (NOTIFY), it retries failures
 * with backoff; after maxAttempts a follow-up is given up with an error log
 * and chaos_progression_follow_ups_total{outcome="abandoned"}: the level
 * stays right in progression, which owns it.
 */
export async function startFollowUpWorker(options: FollowUpWorkerOptions): Promise<FollowUpWorker> {
  const maxAttempts = options.maxAttempts ?? 8;
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const outcomes =
    options.registry === undefined
      ? undefined
      : new Counter({
          name: "chaos_progression_follow_ups_total",
          help: "Follow-ups of progress changes (leaderboard, level_reward, set_level) by outcome: done, retried, abandoned.",
          labelNames: ["kind", "outcome"],
          registers: [options.registry],
        });

  const perform = async (followUp: ClaimedFollowUp) => {
    switch (followUp.kind) {
      case "leaderboard":
        return options.leaderboards.refresh(followUp.characterId);
      case "level_reward":
        return options.rewards.grantGold(
          followUp.characterId,
          options.goldPerLevel * followUp.level,
          `level:${followUp.characterId}:${followUp.level}`,
          `level ${followUp.level} reached`,
        );
      case "set_level":
        return options.levels.setLevel(followUp.characterId, followUp.level);
    }
  };

  const settle = async (followUp: ClaimedFollowUp) => {
    try {
      await perform(followUp);
      await options.store.complete(followUp);
      outcomes?.inc({ kind: followUp.kind, outcome: "done" });
    } catch (error) {
      const attempt = followUp.attempts + 1;
      const log = { followUp: followUp.key, attempt, err: error };
      if (attempt >= maxAttempts) {
        options.logger.error(log, "follow-up failed too often; giving it up");
        outcomes?.inc({ kind: followUp.kind, outcome: "abandoned" });
        await options.store.complete(followUp);
        return;
      }
      options.logger.warn(log, "follow-up failed; retrying later");
      outcomes?.inc({ kind: followUp.kind, outcome: "retried" });
      await options.store.retryLater(followUp, Math.min(60_000, initialBackoffMs * 2 ** (attempt - 1)), (error as Error).message ?? String(error));
    }
  };

  let stopped = false;
  let wake: (() => void) | undefined;
  // A commit noticed while a round runs starts the next round at once instead of after the poll interval.
  let nudged = false;
  const unlisten = await options.store.listen(() => {
    nudged = true;
    wake?.();
  });
  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      let claimed = 0;
      try {
        const due = await options.store.claim(claimBatch, leaseMs);
        claimed = due.length;
        await Promise.all(due.map(settle));
      } catch (error) {
        options.logger.error({ err: error }, "follow-up round failed; retrying");
      }
      if (claimed === claimBatch || nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await unlisten();
    },
  };
}
