import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * The open-stream limit per player across every gateway replica: each open
 * StreamPlayerEvents stream holds a lease in Redis (a sorted set per player,
 * scored by expiry), renewed while it is open. A replica that dies leaves
 * leases that lapse after `ttlMs`, so a crashed gateway does not hold a
 * player's places for long; a stream that closes gives its place back at once.
 */
export interface StreamLeases {
  /**
   * A place among the player's open streams; undefined when they have `max`
   * open on all replicas together. When Redis cannot be reached it fails open
   * (logged): a feed only reads, and each process still holds a player to
   * `max` streams of its own (player-feed.ts), so the worst case is `max` per
   * replica while Redis is away, not an unbounded number.
   */
  acquire(playerId: string): Promise<StreamLease | undefined>;
  /** Stops renewing (at shutdown; the leases still held lapse or are released by their streams). */
  close(): void;
}

export interface StreamLease {
  /** Gives the place back (idempotent; a failure is logged, and the lease lapses instead). */
  release(): void;
}

/** Options of {@link createStreamLeases}; every optional field has a documented default. */
export interface StreamLeaseOptions {
  readonly max: number;
  /** How long a lease outlives its last renewal, in ms. Default 30,000; renewed every third of it. */
  readonly ttlMs?: number;
  readonly logger: Logger;
}

// Drops lapsed leases, then takes one if there is room. Redis's clock for every replica (TIME), so their clocks may differ.
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

// Extends leases still held (XX: one released meanwhile is not brought back).
const renewScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

type LeaseCommands = {
  chaosStreamLeaseAcquire(key: string, max: number, ttlMs: number, id: string): Promise<number>;
  chaosStreamLeaseRenew(key: string, ttlMs: number, id: string): Promise<number>;
};

/** Stream leases in `redis` (the gateway's own keys). */
export function createStreamLeases(redis: Redis, options: StreamLeaseOptions): StreamLeases {
  const ttlMs = options.ttlMs ?? 30_000;
  redis.defineCommand("chaosStreamLeaseAcquire", { numberOfKeys: 1, lua: acquireScript });
  redis.defineCommand("chaosStreamLeaseRenew", { numberOfKeys: 1, lua: renewScript });
  const commands = redis as unknown as LeaseCommands;
  // One hash tag per player: a player's leases are one key, whatever the cluster's layout.
  const keyOf = (playerId: string) => `stream-leases:{${playerId}}`;
  const held = new Map<string, string>();
  const renewal = setInterval(() => {
    for (const [id, key] of held) {
      commands.chaosStreamLeaseRenew(key, ttlMs, id).catch((error: unknown) => options.logger.warn({ err: error }, "renewing a stream lease failed; it lapses unless a later renewal succeeds"));
    }
  }, ttlMs / 3);
  renewal.unref();
  return {
    async acquire(playerId) {
      const key = keyOf(playerId);
      const id = randomUUID();
      let taken: number;
      try {
        taken = await commands.chaosStreamLeaseAcquire(key, options.max, ttlMs, id);
      } catch (error) {
        options.logger.warn({ err: error, playerId }, "stream leases unreachable; the stream opens under this replica's own limit");
        return { release: () => undefined };
      }
      if (taken !== 1) return undefined;
      held.set(id, key);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          held.delete(id);
          redis.zrem(key, id).catch((error: unknown) => options.logger.warn({ err: error, playerId }, "releasing a stream lease failed; it lapses instead"));
        },
      };
    },
    close() {
      clearInterval(renewal);
    },
  };
}
