import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/** Cache-aside settings; every field has a documented default. */
export interface CacheOptions {
  /** How long a value stays. */
  readonly ttlMs: number;
  /** How long one loader may hold the refill lock. Default 5 s. */
  readonly lockTtlMs?: number;
  /** How often waiters look for the refilled value. Default 25 ms. */
  readonly pollMs?: number;
}

const releaseLock = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Cache-aside with stampede protection: on a miss, one caller (across all
 * replicas: a Redis lock with a token) loads and fills; the others wait for
 * the value instead of all hitting the database at once, and load
 * themselves only if the lock holder takes longer than the lock's TTL.
 * Within one process, concurrent misses share one load.
 */
export function createCache(redis: Redis) {
  redis.defineCommand("chaosReleaseLock", { numberOfKeys: 1, lua: releaseLock });
  const inFlight = new Map<string, Promise<string>>();

  const fill = async (key: string, options: CacheOptions, load: () => Promise<string>): Promise<string> => {
    const lockKey = `cache-lock:${key}`;
    const token = randomUUID();
    const lockTtl = options.lockTtlMs ?? 5_000;
    if ((await redis.set(lockKey, token, "PX", lockTtl, "NX")) === "OK") {
      try {
        const value = await load();
        await redis.set(`cache:${key}`, value, "PX", options.ttlMs);
        return value;
      } finally {
        await (redis as unknown as { chaosReleaseLock: (k: string, t: string) => Promise<number> }).chaosReleaseLock(lockKey, token);
      }
    }
    const deadline = Date.now() + lockTtl;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, options.pollMs ?? 25));
      const value = await redis.get(`cache:${key}`);
      if (value !== null) return value;
    }
    return load();
  };

  return {
    /** The cached value of `key`, loading and storing it on a miss. */
    async get(key: string, options: CacheOptions, load: () => Promise<string>): Promise<string> {
      const cached = await redis.get(`cache:${key}`);
      if (cached !== null) return cached;
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = fill(key, options, load).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    /** Drops a cached value (after the source of truth changed). */
    async invalidate(key: string): Promise<void> {
      await redis.del(`cache:${key}`);
    },
  };
}

/** The cache returned by {@link createCache}. */
export type Cache = ReturnType<typeof createCache>;
