import fs from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import { dataDir, type InfraConfig } from "./config.js";
import { ensureDebianPackages } from "./debian.js";
import { portBusyError, portInUse, readPid, run, tailFile, terminate, waitUntil } from "./proc.js";

const dir = path.join(dataDir, "redis");
const pidFile = path.join(dir, "redis.pid");
const logFile = path.join(dir, "redis.log");

/** A running Redis server. */
export interface RedisEndpoint {
  readonly url: string;
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
    return { url: config.redisUrl, started: false };
  }
  const url = `redis://127.0.0.1:${config.redisPort}`;
  if (await redisHealthy(url)) return { url, started: false };
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
  ]);
  if (!(await waitUntil(() => redisHealthy(url), 15_000))) {
    throw new Error(`Redis did not answer PING on port ${config.redisPort} within 15 s.\n--- ${logFile} ---\n${tailFile(logFile)}`);
  }
  return { url, started: true };
}

/** Stops the local Redis if it runs. */
export async function stopRedis(): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined) await terminate(pid);
}

/** One line on Redis's state. */
export async function redisStatus(config: InfraConfig): Promise<string> {
  const url = config.redisUrl ?? `redis://127.0.0.1:${config.redisPort}`;
  const where = config.redisUrl === undefined ? `127.0.0.1:${config.redisPort}` : "REDIS_URL";
  return `redis     ${(await redisHealthy(url)) ? "up  " : "down"}  ${where}`;
}
