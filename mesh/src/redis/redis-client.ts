import { Redis } from "ioredis";
import { worldName } from "../world.js";

/**
 * The prefix of every Redis key and pub/sub channel of `service` in `world`
 * ("<world>:<service>:", or "<service>:" outside any world). The client below
 * writes under it and the service's Redis ACL user may touch nothing else
 * ({@link redisAclRules}): one fact, used by both.
 */
export function redisKeyPrefix(service: string, world: string = worldName()): string {
  return world === "" ? `${service}:` : `${world}:${service}:`;
}

/**
 * The ACL rules (`ACL SETUSER <user> <rules...>`) of a service's own Redis
 * user: its keys and channels only, every command a service uses, none of
 * the administrative or dangerous ones (CONFIG, FLUSHALL, KEYS, DEBUG, ACL,
 * MONITOR...). INFO is allowed back because ioredis's ready check sends it.
 * A service holding this user's password can neither read nor clobber
 * another service's state, nor reconfigure the server.
 */
export function redisAclRules(service: string, password: string, world: string = worldName()): string[] {
  const prefix = redisKeyPrefix(service, world);
  return ["reset", "on", `>${password}`, `~${prefix}*`, `&${prefix}*`, "+@all", "-@admin", "-@dangerous", "+info"];
}

/**
 * A service's Redis connection. Every key is prefixed (see
 * {@link redisKeyPrefix}) by ioredis itself (keyPrefix), so services sharing
 * one Redis cannot read or clobber each other's keys by accident; its ACL
 * user makes that hold on purpose too. Timeouts are explicit: a Redis that
 * hangs fails the command instead of the call waiting forever.
 */
export function createRedis(url: string, service: string, options: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    keyPrefix: redisKeyPrefix(service),
    connectTimeout: 5_000,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
}
