import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { redisAclRules } from "@chaos/mesh/server";
import { dataDir, type InfraConfig } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { portBusyError, portInUse, readPid, run, tailFile, terminate, waitUntil } from "./proc.js";
import { secret } from "./secrets.js";
import { serviceManifests } from "./services.js";

const dir = path.join(dataDir, "redis");
const pidFile = path.join(dir, "redis.pid");
const logFile = path.join(dir, "redis.log");

/** A running Redis server. */
export interface RedisEndpoint {
  /** The administrator's URL (the default user, with its password): provisioning and tests, never a service. */
  readonly url: string;
  /** service name → URL logging in as that service's own ACL user (REDIS_URL): its keys only. */
  readonly serviceUrls: Record<string, string>;
  /** True when this call started the server. */
  readonly started: boolean;
}

/** True when PING answers PONG within a few seconds. */
export async function redisHealthy(url: string): Promise<boolean> {
  const client = new Redis(url, { connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Starts (or finds) Redis. */
export async function ensureRedis(config: InfraConfig): Promise<RedisEndpoint> {
  if (config.redisUrl !== undefined) {
    if (!(await redisHealthy(config.redisUrl))) throw new Error("REDIS_URL is set but Redis does not answer PING there within 2 s");
    return { url: config.redisUrl, serviceUrls: await provisionServiceUsers(config.redisUrl), started: false };
  }
  const url = adminUrl(config.redisPort);
  if (await redisHealthy(url)) return { url, serviceUrls: await provisionServiceUsers(url), started: false };
  // A local Redis from before it had a password: give its default user one now.
  if (await redisHealthy(`redis://127.0.0.1:${config.redisPort}`)) {
    await withRedis(`redis://127.0.0.1:${config.redisPort}`, (redis) => redis.call("ACL", "SETUSER", "default", "resetpass", `>${secret("redis.default")}`));
    return { url, serviceUrls: await provisionServiceUsers(url), started: false };
  }
  if (await portInUse(config.redisPort)) throw portBusyError(config.redisPort, "Redis", "CHAOS_REDIS_PORT");
  await ensureDebianPackages(["redis-server"], "the local Redis server");
  fs.mkdirSync(dir, { recursive: true });
  // Persistence is off: this Redis holds caches, cooldowns and rate-limit
  // state whose source of truth is PostgreSQL or which may be lost.
  await run("redis-server", [
    "--port", String(config.redisPort),
    "--bind", "127.0.0.1",
    "--protected-mode", "yes",
    "--daemonize", "yes",
    "--dir", dir,
    "--pidfile", pidFile,
    "--logfile", logFile,
    "--save", "",
    "--appendonly", "no",
    // No anonymous access: the default user is the administrator, and each service logs in as its own user.
    "--requirepass", secret("redis.default"),
  ]);
  if (!(await waitUntil(() => redisHealthy(url), 15_000))) {
    throw new Error(`Redis did not answer PING on port ${config.redisPort} within 15 s.\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
  return { url, serviceUrls: await provisionServiceUsers(url), started: true };
}

function adminUrl(port: number): string {
  const url = new URL(`redis://127.0.0.1:${port}`);
  url.password = secret("redis.default");
  return url.toString();
}

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { connectTimeout: 5000, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Creates (or resets) `user` as the Redis ACL user of `service` in `world`
 * (see redisAclRules: its own keys and channels, no administrative commands)
 * and returns the URL that logs in as it, on `baseUrl`'s host. Idempotent.
 */
export async function provisionRedisUser(adminUrl: string, user: string, service: string, password: string, world?: string, baseUrl: string = adminUrl): Promise<string> {
  await withRedis(adminUrl, (redis) => redis.call("ACL", "SETUSER", user, ...redisAclRules(service, password, world)));
  const url = new URL(baseUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** Removes ACL users (a test world's, when it stops). */
export async function removeRedisUsers(adminUrl: string, users: readonly string[]): Promise<void> {
  if (users.length > 0) await withRedis(adminUrl, (redis) => redis.call("ACL", "DELUSER", ...users));
}

/** One user per service that uses Redis, `chaos-<service>`, for `npm start` (no world). */
async function provisionServiceUsers(adminUrl: string): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  for (const manifest of (await serviceManifests()).filter((m) => m.state?.redis === true)) {
    urls[manifest.name] = await provisionRedisUser(adminUrl, `chaos-${manifest.name}`, manifest.name, secret(`redis.${manifest.name}`), "");
  }
  return urls;
}

/** Stops the local Redis if it runs. */
export async function stopRedis(): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined) await terminate(pid);
}

/** One line on Redis's state. */
export async function redisStatus(config: InfraConfig): Promise<string> {
  const url = config.redisUrl ?? adminUrl(config.redisPort);
  const where = config.redisUrl === undefined ? `127.0.0.1:${config.redisPort}` : "REDIS_URL";
  return `redis     ${(await redisHealthy(url)) ? "up  " : "down"}  ${where}`;
}
