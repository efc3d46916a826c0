import type { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import { ensureTopics } from "./events/ensure-topics.js";
import { startOutboxRelay, type OutboxRelay } from "./events/outbox-relay.js";
import { eventTableMigrations } from "./events/outbox.js";
import type { MeshRuntime } from "./mesh-runtime.js";
import { createDatabase, type Database } from "./persistence/database.js";
import { migrate, readMigrations, type Migration } from "./persistence/migrations.js";
import { createRedis } from "./redis/redis-client.js";

/** What a stateful service opens at start-up; every field has a documented default. */
export interface ServiceResourcesOptions {
  /** Directory of the service's SQL migrations, applied after the mesh's outbox and inbox tables. */
  readonly migrationsDir?: string;
  /** More mesh tables the service uses (eventStoreMigrations, sagaMigrations). Default none. */
  readonly meshMigrations?: readonly Migration[];
  /** Open the service's PostgreSQL database (DATABASE_URL). Default true. */
  readonly database?: boolean;
  /** Publish the service's outbox to Kafka (needs the database). Default true when the database is open. */
  readonly relay?: boolean;
  /**
   * The topics the service publishes (topicName(...)), created at start-up
   * with the broker's full partition count, so consumers that start first
   * never find one auto-created with a single partition. Default none.
   */
  readonly publishes?: readonly string[];
}

/** A service's connections to its own database, Redis and Kafka. */
export interface ServiceResources {
  /** The service's own database, migrated. Throws when the service opened none. */
  readonly db: Database;
  /** Keys prefixed with the service's name (and world). */
  readonly redis: Redis;
  readonly kafka: Kafka;
  readonly relay: OutboxRelay | undefined;
  /** Stops the relay and closes Redis and the pool; pass it to runService's onShutdown. */
  close(): Promise<void>;
}

/**
 * Opens what a service needs from the environment — DATABASE_URL, REDIS_URL,
 * KAFKA_BROKERS — applies its migrations and starts its outbox relay. A
 * missing or malformed variable stops start-up with a message naming it.
 */
export async function openServiceResources(runtime: MeshRuntime, options: ServiceResourcesOptions = {}): Promise<ServiceResources> {
  const env = process.env;
  const wantsDatabase = options.database ?? true;
  const kafka = new Kafka({ clientId: runtime.name, brokers: brokersFrom(env.KAFKA_BROKERS), logLevel: logLevel.ERROR });
  if ((options.publishes ?? []).length > 0) await ensureTopics(kafka, options.publishes!);
  const redis = createRedis(required(env.REDIS_URL, "REDIS_URL", "redis://host:port"), runtime.name);
  let db: Database | undefined;
  let relay: OutboxRelay | undefined;
  if (wantsDatabase) {
    db = createDatabase(required(env.DATABASE_URL, "DATABASE_URL", "postgres://user:password@host:port/database"));
    const own = options.migrationsDir === undefined ? [] : readMigrations(options.migrationsDir);
    const applied = await migrate(db.pool, [...eventTableMigrations, ...(options.meshMigrations ?? []), ...own]);
    if (applied.length > 0) runtime.logger.info({ applied }, "migrations applied");
    if (options.relay ?? true) relay = await startOutboxRelay({ pool: db.pool, kafka, logger: runtime.logger, registry: runtime.metrics.registry });
  }
  return {
    get db() {
      if (db === undefined) throw new Error(`${runtime.name} opened no database`);
      return db;
    },
    redis,
    kafka,
    relay,
    async close() {
      await relay?.stop();
      redis.disconnect();
      await db?.close();
    },
  };
}

function required(value: string | undefined, variable: string, example: string): string {
  if (value === undefined || value === "") throw new Error(`${variable} is not set (expected ${example})`);
  try {
    new URL(value);
  } catch {
    throw new Error(`${variable} is not a URL (expected ${example})`);
  }
  return value;
}

function brokersFrom(value: string | undefined): string[] {
  if (value === undefined || value === "") throw new Error("KAFKA_BROKERS is not set (expected host:port[,host:port...])");
  const brokers = value.split(",").map((b) => b.trim());
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw new Error(`KAFKA_BROKERS has a malformed entry "${broker}" (expected host:port)`);
  }
  return brokers;
}
