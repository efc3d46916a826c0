import { Redis } from "ioredis";
import { inWorld } from "../world.js";

/**
 * A service's Redis connection. Every key is prefixed "<service>:" by ioredis
 * itself (keyPrefix), so services sharing one Redis cannot read or clobber
 * each other's keys by accident; a world (CHAOS_WORLD) prefixes that again. Timeouts are explicit: a Redis that hangs
 * fails the command instead of the call waiting forever.
 */
export function createRedis(url: string, service: string, options: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    keyPrefix: `${inWorld(service, ":")}:`,
    connectTimeout: 5_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
}
