import { Code, ConnectError } from "@connectrpc/connect";
import type { Redis } from "ioredis";

/** A rate: `limit` requests per `periodMs`, with bursts of up to `burst` at once. */
export interface Rate {
  readonly limit: number;
  readonly periodMs: number;
  /** Default: `limit` (the whole period's allowance may arrive at once). */
  readonly burst?: number;
}

/** The outcome of one rate-limit check. */
export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: how long until one request would be allowed. */
  readonly retryAfterMs: number;
}

/**
 * GCRA (generic cell rate algorithm) in one Lua script, so check-and-update is
 * atomic across gateway replicas and uses Redis's clock, not each replica's.
 * State is one key per subject holding the theoretical arrival time, expiring
 * when it no longer matters.
 */
const gcra = `
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local tat = tonumber(redis.call('GET', key)) or now
if tat < now then tat = now end
local newTat = tat + interval * cost
local allowAt = newTat - tolerance
if allowAt > now then
  return {0, allowAt - now}
end
-- PX takes whole milliseconds; an interval such as 0.6 ms (100,000 a minute) makes fractions.
redis.call('SET', key, newTat, 'PX', math.max(1, math.ceil(newTat - now)))
return {1, 0}
`;

/** A GCRA rate limiter over Redis. */
export interface RateLimiter {
  /**
   * Spends `cost` (default 1) of `subject`'s allowance if it has it. When
   * Redis cannot answer it throws UNAVAILABLE (a ConnectError with the cause):
   * a caller that lets the call through instead (fails open) catches it and says so.
   */
  check(subject: string, rate: Rate, cost?: number): Promise<RateDecision>;
}

/** Creates the limiter; keys are "ratelimit:<subject>" under the client's prefix. */
export function createRateLimiter(redis: Redis): RateLimiter {
  redis.defineCommand("chaosGcra", { numberOfKeys: 1, lua: gcra });
  return {
    async check(subject, rate, cost = 1) {
      if (!(rate.limit > 0 && rate.periodMs > 0)) throw new Error("a rate needs a positive limit and period");
      const interval = rate.periodMs / rate.limit;
      const tolerance = interval * (rate.burst ?? rate.limit);
      let answer: [number, number];
      try {
        answer = await (redis as unknown as { chaosGcra: (...args: unknown[]) => Promise<[number, number]> }).chaosGcra(`ratelimit:${subject}`, interval, tolerance, cost);
      } catch (error) {
        // Not INTERNAL: nothing is wrong with the call, and a retry in a moment may well pass.
        throw new ConnectError("the rate limiter cannot be reached right now; retry shortly", Code.Unavailable, undefined, undefined, error);
      }
      const [allowed, retryAfter] = answer;
      return { allowed: allowed === 1, retryAfterMs: Math.ceil(Number(retryAfter)) };
    },
  };
}
