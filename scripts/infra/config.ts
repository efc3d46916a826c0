import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Where the project-local servers keep their data, logs and downloaded jars.
 * Git-ignored. Default: `<repo>/.chaos`; override with CHAOS_DATA_DIR.
 */
export const dataDir = path.resolve(process.env.CHAOS_DATA_DIR ?? path.join(repoRoot, ".chaos"));

/**
 * Typed, validated infrastructure settings. A bad value stops the process with
 * a message naming the variable (style rule 8).
 */
export interface InfraConfig {
  /** Use this PostgreSQL server (a superuser or CREATEROLE+CREATEDB URL) instead of a local cluster. */
  readonly databaseUrl: string | undefined;
  /** Use this Redis server instead of a local one. */
  readonly redisUrl: string | undefined;
  /** Use these Kafka brokers (comma-separated host:port) instead of a local broker. */
  readonly kafkaBrokers: string[] | undefined;
  /** Port of the local PostgreSQL cluster. Default 55432 (CHAOS_PG_PORT). */
  readonly pgPort: number;
  /** Port of the local Redis server. Default 56379 (CHAOS_REDIS_PORT). */
  readonly redisPort: number;
  /** Port of the local Kafka broker listener. Default 59092 (CHAOS_KAFKA_PORT). */
  readonly kafkaPort: number;
  /** Port of the local Kafka KRaft controller listener. Default 59093 (CHAOS_KAFKA_CONTROLLER_PORT). */
  readonly kafkaControllerPort: number;
  /** SMTP port of the local Mailpit. Default 51025 (CHAOS_MAILPIT_SMTP_PORT). */
  readonly mailpitSmtpPort: number;
  /** Web UI and HTTP API port of the local Mailpit. Default 58025 (CHAOS_MAILPIT_HTTP_PORT). */
  readonly mailpitHttpPort: number;
}

/** A TCP port from the environment variable `name`, or `fallback` when unset; anything else stops with a message naming it. */
export function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port between 1 and 65535, got "${raw}"`);
  }
  return value;
}

function url(name: string, protocols: string[]): string | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`${name} must start with ${protocols.join(" or ")}, got "${parsed.protocol}"`);
  }
  return raw;
}

function brokers(name: string): string[] | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const list = raw.split(",").map((b) => b.trim()).filter((b) => b !== "");
  for (const broker of list) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new Error(`${name} must be a comma-separated list of host:port, got "${broker}"`);
    }
  }
  return list;
}

/** Reads and validates the infrastructure settings from the environment. */
export function loadInfraConfig(): InfraConfig {
  return {
    databaseUrl: url("DATABASE_URL", ["postgres:", "postgresql:"]),
    redisUrl: url("REDIS_URL", ["redis:", "rediss:"]),
    kafkaBrokers: brokers("KAFKA_BROKERS"),
    pgPort: port("CHAOS_PG_PORT", 55432),
    redisPort: port("CHAOS_REDIS_PORT", 56379),
    kafkaPort: port("CHAOS_KAFKA_PORT", 59092),
    kafkaControllerPort: port("CHAOS_KAFKA_CONTROLLER_PORT", 59093),
    mailpitSmtpPort: port("CHAOS_MAILPIT_SMTP_PORT", 51025),
    mailpitHttpPort: port("CHAOS_MAILPIT_HTTP_PORT", 58025),
  };
}
