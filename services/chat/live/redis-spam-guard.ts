import type { Redis } from "ioredis";
import type { RateLimiter } from "@chaos/mesh/server";
import type { SpamGuard } from "../core/live.js";
import { duplicateMessage, rateLimited } from "../core/refusals.js";

/** Limits of {@link createRedisSpamGuard}. */
export interface SpamLimits {
  readonly postsPerMinute: number;
  /** Posts at once before the pace applies. */
  readonly burst: number;
  /** A repeat of the same text within this long is refused; 0 allows repeats. */
  readonly duplicateWindowMs: number;
}

/**
 * The per-player posting limits in Redis, shared by all replicas: GCRA for
 * the pace and burst cap, and a mark per (player, text) that lives for the
 * duplicate window. The repeat check comes first, so a refused repeat does
 * not spend the player's allowance; a retry with the post's idempotency key
 * passes (its original may still be committing).
 */
export function createRedisSpamGuard(redis: Redis, limiter: RateLimiter, limits: SpamLimits): SpamGuard {
  const rate = { limit: limits.postsPerMinute, periodMs: 60_000, burst: limits.burst };
  return {
    async admit(playerId, textHash, idempotencyKey) {
      const mark = `recent:${playerId}:${textHash}`;
      if (limits.duplicateWindowMs > 0) {
        const [[, owner], [, left]] = (await redis.multi().get(mark).pttl(mark).exec()) as [[unknown, string | null], [unknown, number]];
        // The same key again is a retry racing its original, not a repeat: the store keeps one of them.
        if (idempotencyKey !== "" && owner === `key:${idempotencyKey}`) return;
        if (left > 0) throw duplicateMessage(left);
      }
      const decision = await limiter.check(`chat:post:${playerId}`, rate);
      if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
      if (limits.duplicateWindowMs > 0) await redis.set(mark, idempotencyKey === "" ? "-" : `key:${idempotencyKey}`, "PX", limits.duplicateWindowMs);
    },
  };
}
