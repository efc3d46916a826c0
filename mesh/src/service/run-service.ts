import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import type { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import { createDomainErrorInterceptor } from "../domain-error.js";
import { ensureTopics } from "../events/ensure-topics.js";
import { connectKafka, kafkaLoginFromEnv } from "../events/kafka-client.js";
import { startEventConsumer, type EventConsumer } from "../events/event-consumer.js";
import { startOutboxRelay, type OutboxRelay } from "../events/outbox-relay.js";
import { ownerSourceOf } from "../events/topic-owner.js";
import { eventTableMigrations } from "../events/outbox.js";
import { createIdentityTokenVerifier } from "../identity-token-verifier.js";
import { startJobWorker } from "../jobs/job-worker.js";
import { createMeshRuntime, type MeshRuntime } from "../mesh-runtime.js";
import { meshLimits } from "../server/mesh-server.js";
import { createDatabase, type Database } from "../persistence/database.js";
import { migrate, readMigrations, type Migration } from "../persistence/migrations.js";
import { assertAppendOnly, currentRole } from "../persistence/runtime-role.js";
import { createRedis } from "../redis/redis-client.js";
import { consumerGroupId } from "../world.js";
import { calledTarget, checkWired, publishedTopics, consumedTopics } from "./manifest-checks.js";
import { appendOnlyTablesOf, methodPath } from "./system.js";
import type { AnyServiceManifest, ServiceManifest, WireContext } from "./service-manifest.js";

/**
 * Runs a service from its manifest: settings → runtime → database (migrated),
 * Redis, Kafka, outbox relay → `wire` → job worker → event consumer (joining
 * its group in the background) → both faces. On SIGTERM/SIGINT it closes everything in the reverse order: the
 * faces drain, then the consumer, the job worker, the service's own work, the
 * relay, Redis, the database and the runtime; then the process exits.
 * Prints one ready line for the parent process (`npm start`, the tests) once
 * it serves.
 */
export async function runService<Settings>(manifest: ServiceManifest<Settings>): Promise<MeshRuntime> {
  if (manifest.foreign !== undefined) throw new Error(`${manifest.name} is a foreign workload: start its program (${manifest.foreign.executable}), not runService`);
  const settings = manifest.settings === undefined ? (undefined as Settings) : manifest.settings(process.env);
  const runtime = createMeshRuntime(manifest.name);
  const closers: Closer[] = [["the mesh runtime", () => runtime.close()]];
  // What the shutdown is closing, for the log line of one that overran its deadline.
  let closing = "the faces";
  const closeAll = async () => {
    for (const [what, close] of closers.splice(0).reverse()) {
      closing = what;
      await close();
    }
  };
  try {
    const opened = await openState(manifest, runtime);
    closers.push(...opened.closers);
    const ownStops: Array<() => Promise<void> | void> = [];
    const context: WireContext<Settings> = {
      settings,
      runtime,
      logger: runtime.logger,
      source: runtime.spiffeId,
      get db() {
        return opened.db ?? missing(manifest.name, "a database (state.database)");
      },
      get redis() {
        return opened.redis ?? missing(manifest.name, "Redis (state.redis)");
      },
      get kafka() {
        return opened.kafka();
      },
      client: <S extends DescService>(service: S) => runtime.client(service, calledTarget(manifest, service)),
      onStop: (stop) => void ownStops.push(stop),
    };
    const wired = await manifest.wire(context);
    checkWired(manifest, wired);
    closers.push(["the service's own work (onStop)", () => stopInReverse(ownStops)]);

    if (wired.jobs !== undefined) {
      const jobs = await startJobWorker({ ...wired.jobs, pool: context.db.pool, logger: runtime.logger, registry: runtime.metrics.registry });
      // Stopped before what its handlers use (wire's own work, the database), after the consumer that enqueues.
      closers.push(["the job worker", () => jobs.stop()]);
    }

    if (wired.events !== undefined) {
      // The consumer joins its group in the background, so the faces need not
      // wait for it: after a crash the group waits for the dead member's
      // session to time out (up to 10 s) before it rebalances, and calls
      // would fail all that time. No event is missed meanwhile: a new group
      // reads from the beginning, a known one from its committed offsets.
      // A consumer that cannot start at all stops the process, as it did
      // when start-up awaited it.
      const consumer: Promise<EventConsumer | undefined> = startEventConsumer({
        kafka: opened.kafka(),
        pool: context.db.pool,
        logger: runtime.logger,
        groupId: consumerGroupId(manifest.name),
        topics: consumedTopics(manifest),
        bind: wired.events.bind,
        sourceOf: (topic) => ownerSourceOf(topic, runtime.spiffeId),
        handlers: wired.events.handlers,
        registry: runtime.metrics.registry,
        // Per-event spans only when they are recorded: with tracing off they would be parsed and dropped per event.
        tracer: runtime.tracing.recording ? runtime.tracing.tracer : undefined,
      }).catch((error: unknown) => {
        runtime.logger.fatal({ err: error }, "the event consumer could not start");
        process.exit(1);
      });
      closers.push(["the event consumer", async () => (await consumer)?.stop()]);
    }

    const limits = meshLimits(manifest.limits?.(settings));
    const appealMethods = new Set([...ownAppealMethods(manifest), ...(wired.appealMethods ?? [])]);
    const server = runtime.createServer({
      services: wired.services,
      edge: manifest.edge?.(settings),
      tokenVerifier:
        wired.tokenVerifier ?? (manifest.verifiesEndUserTokens === true ? createIdentityTokenVerifier(runtime, { acceptAppealTokens: appealMethods.size > 0 }) : undefined),
      tokenRefusal: wired.tokenRefusal,
      appealMethods,
      limits,
      interceptors: [...(manifest.errors === undefined ? [] : [createDomainErrorInterceptor(manifest.errors)]), ...(wired.interceptors ?? [])],
      firstInterceptors: wired.firstInterceptors,
    });
    const addresses = await server.start();
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      // Bounded, as a kubelet bounds it with SIGKILL: calls get their grace, the rest a fixed budget; a close
      // that hangs (a broker or database that stopped answering) ends the process with a line naming it.
      const deadlineMs = limits.shutdownGraceMs + limits.shutdownCloseBudgetMs;
      setTimeout(() => {
        runtime.logger.fatal({ closing, deadlineMs }, `shutdown overran its deadline while closing ${closing}; exiting`);
        process.exit(1);
      }, deadlineMs).unref();
      wired.onDrain?.();
      server
        .shutdown()
        .then(closeAll)
        .then(
          () => process.exit(0),
          (error: unknown) => {
            runtime.logger.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    // One machine-readable line for parents that started us on port 0 (tests, npm start).
    process.stdout.write(`${JSON.stringify({ ready: manifest.name, ...addresses })}\n`);
    return runtime;
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

/** Something a running service closes at shutdown, with what to call it in a log line. */
type Closer = readonly [what: string, close: () => Promise<void> | void];

/** What the manifest's state opens, and how to close it. */
interface OpenedState {
  readonly kafka: () => Kafka;
  readonly db: Database | undefined;
  readonly redis: Redis | undefined;
  readonly closers: readonly Closer[];
}

/**
 * Opens what the manifest states from the environment — DATABASE_URL (and
 * DATABASE_OWNER_URL), REDIS_URL, KAFKA_BROKERS (and KAFKA_USERNAME, KAFKA_PASSWORD) — applies its migrations after the mesh's outbox
 * and inbox tables, creates the topics it publishes (with the broker's full
 * partition count, so a consumer that starts first never finds one
 * auto-created with a single partition) and starts its outbox relay. A
 * missing or malformed variable stops start-up with a message naming it.
 */
async function openState(manifest: AnyServiceManifest, runtime: MeshRuntime): Promise<OpenedState> {
  const env = process.env;
  const closers: Closer[] = [];
  // Made on first use: a service with no events (echo) needs no KAFKA_BROKERS.
  let kafka: Kafka | undefined;
  // Its own SCRAM login when the brokers ask for one (they grant it its own topics only: kafkaAclsOf).
  const kafkaClient = () => (kafka ??= connectKafka({ brokers: brokersFrom(env.KAFKA_BROKERS), login: kafkaLoginFromEnv(env) }, { clientId: manifest.name }));
  const topics = publishedTopics(manifest);
  if (topics.length > 0) await ensureTopics(kafkaClient(), topics);
  let redis: Redis | undefined;
  if (manifest.state?.redis === true) {
    const client = createRedis(required(env.REDIS_URL, "REDIS_URL", "redis://host:port"), manifest.name);
    redis = client;
    closers.push(["Redis", () => client.disconnect()]);
  }
  let db: Database | undefined;
  let relay: OutboxRelay | undefined;
  const database = manifest.state?.database;
  if (database !== undefined) {
    const opened = createDatabase(required(env.DATABASE_URL, "DATABASE_URL", "postgres://user:password@host:port/database"));
    db = opened;
    closers.push(["the database pool", () => opened.close()]);
    const migrations = [...eventTableMigrations, ...(database.meshTables ?? []), ...readMigrations(fileURLToPath(database.migrations))];
    const applied = await migrateDatabase(manifest, opened, migrations, env);
    if (applied.length > 0) runtime.logger.info({ applied }, "migrations applied");
    relay = await startOutboxRelay({ pool: opened.pool, kafka: kafkaClient(), logger: runtime.logger, registry: runtime.metrics.registry, tracer: runtime.tracing.recording ? runtime.tracing.tracer : undefined });
    closers.push(["the outbox relay", () => relay?.stop()]);
  }
  return { kafka: kafkaClient, db, redis, closers };
}

/**
 * Migrates as the owner: a second login (DATABASE_OWNER_URL), used only for
 * this. It grants the runtime role (DATABASE_URL's, which owns nothing) DML
 * on the service's tables and nothing else, so the running code can change
 * rows but never the schema (no DDL, no DROP), and start-up checks the runtime
 * role really cannot change the append-only tables.
 */
async function migrateDatabase(manifest: AnyServiceManifest, runtimeDb: Database, migrations: readonly Migration[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const appendOnlyTables = appendOnlyTablesOf(manifest);
  const ownerUrl = required(
    env.DATABASE_OWNER_URL,
    "DATABASE_OWNER_URL",
    `postgres://owner:password@host:port/database (${manifest.name}'s migrations run as its database's owner, and DATABASE_URL logs in as a role that owns nothing and may only read and write rows${appendOnlyTables.length > 0 ? ", and only read and insert into its append-only tables" : ""})`,
  );
  const owner = createDatabase(ownerUrl, { maxConnections: 1 });
  try {
    const applied = await migrate(owner.pool, migrations, { runtimeRole: { role: await currentRole(runtimeDb.pool), appendOnlyTables } });
    await assertAppendOnly(runtimeDb.pool, appendOnlyTables);
    return applied;
  } finally {
    await owner.close();
  }
}

/** The manifest's own public methods that take appeal tokens, as paths. */
function ownAppealMethods(manifest: AnyServiceManifest): string[] {
  return manifest.serves.flatMap(({ service, public: api }) => (api?.appealMethods ?? []).map((local) => methodPath(service, local)));
}

async function stopInReverse(stops: ReadonlyArray<() => Promise<void> | void>): Promise<void> {
  for (const stop of [...stops].reverse()) await stop();
}

function missing(service: string, what: string): never {
  throw new Error(`${service} uses ${what} but its manifest does not declare it`);
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
