/**
 * The event backbone's cost: PostgreSQL commit → outbox → relay → Kafka →
 * consumer effect committed (inbox), next to a bare kafkajs produce/consume
 * loop on the same broker, in one run. Peak events/s, then p50/p99 delivery
 * latency at half of each peak. Bounded: a few hundred thousand events at most.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { logLevel, type Kafka } from "kafkajs";
import pg from "pg";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import {
  appendToOutbox,
  createDatabase,
  connectKafka,
  type KafkaAccess,
  createLogger,
  ensureTopics,
  eventTableMigrations,
  migrate,
  onEvent,
  ownerSourceOf,
  spiffeIdFor,
  startEventConsumer,
  startOutboxRelay,
} from "@chaos/mesh";

export interface EventsBenchResult {
  readonly name: string;
  readonly peakPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly halfPeakRate: number;
}

const source = "spiffe://chaos.world/ns/chaos/sa/bench";
const logger = createLogger("bench", "silent");

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Sends `total` events at `ratePerSecond` (Infinity: as fast as possible) in batches, via `send`. */
async function drive(total: number, batch: number, ratePerSecond: number, send: (from: number, count: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  for (let sent = 0; sent < total; sent += batch) {
    if (Number.isFinite(ratePerSecond)) {
      const due = started + (sent / ratePerSecond) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    await send(sent, Math.min(batch, total - sent));
  }
}

async function bareKafka(kafka: Kafka, total: number, rate: number): Promise<{ seconds: number; latencies: number[] }> {
  const topic = `bench.bare.${randomUUID()}`;
  await ensureTopics(kafka, [topic]);
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies: number[] = [];
  let received = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      latencies.push(Date.now() - Number(message.headers?.sent_at?.toString()));
      if (++received >= total) resolveDone();
    },
  });
  await new Promise((r) => setTimeout(r, 1_000));
  const started = Date.now();
  await drive(total, 100, rate, async (from, count) => {
    await producer.send({
      topic,
      messages: Array.from({ length: count }, (_, i) => ({
        key: `character-${(from + i) % 16}`,
        value: Buffer.alloc(48, 1),
        headers: { sent_at: String(Date.now()) },
      })),
    });
  });
  await done;
  const seconds = (Date.now() - started) / 1000;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { seconds, latencies };
}

async function fullPath(kafka: Kafka, databaseUrl: string, total: number, rate: number): Promise<{ seconds: number; latencies: number[] }> {
  const db = createDatabase(databaseUrl, { maxConnections: 8 });
  const topic = `chaos.bench.v1.${randomUUID()}`;
  await db.pool.query("TRUNCATE mesh_outbox, mesh_inbox, bench_effects");
  const relay = await startOutboxRelay({ pool: db.pool, kafka, logger, pollIntervalMs: 20 });
  const consumer = await startEventConsumer({
    kafka,
    pool: db.pool,
    logger,
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    bind: (client) => client,
    sourceOf: (topic) => ownerSourceOf(topic, source),
    handlers: [
      onEvent(SpellCastSchema, async (client: pg.PoolClient, message, event) => {
        await client.query("INSERT INTO bench_effects (event_id, latency_ms) VALUES ($1, $2)", [event.id, Date.now() - Date.parse(event.time)]);
      }),
    ],
  });
  await new Promise((r) => setTimeout(r, 1_000));
  const started = Date.now();
  await drive(total, 100, rate, (from, count) =>
    db.transaction(async (client) => {
      await appendToOutbox(client, source, Array.from({ length: count }, (_, i) => ({
        topic,
        aggregateId: `character-${(from + i) % 16}`,
        schema: SpellCastSchema,
        message: create(SpellCastSchema, { castId: `cast-${from + i}`, spellId: "fireball", manaSpent: 10 }),
      })));
    }),
  );
  for (;;) {
    const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM bench_effects");
    if (Number(rows[0]!.n) >= total) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (Date.now() - started) / 1000;
  const { rows } = await db.pool.query<{ latency_ms: number }>("SELECT latency_ms FROM bench_effects");
  await consumer.stop();
  await relay.stop();
  await db.close();
  return { seconds, latencies: rows.map((r) => r.latency_ms) };
}

/** Runs both paths: peak, then latency at half of the peak. */
export async function runEventsBench(access: KafkaAccess, adminUrl: string, total = 20_000): Promise<EventsBenchResult[]> {
  const kafka = connectKafka(access, { clientId: "bench", logLevel: logLevel.NOTHING });
  const dbName = `chaos_bench_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  try {
    const db = createDatabase(url.toString());
    await migrate(db.pool, [...eventTableMigrations, { name: "0001_bench.sql", checksum: "b", sql: "CREATE TABLE bench_effects (event_id text PRIMARY KEY, latency_ms integer NOT NULL)" }]);
    await db.close();
    const results: EventsBenchResult[] = [];
    for (const [name, run] of [
      ["bare kafkajs produce → consume", (n: number, rate: number) => bareKafka(kafka, n, rate)],
      ["PostgreSQL commit → outbox → Kafka → inbox effect", (n: number, rate: number) => fullPath(kafka, url.toString(), n, rate)],
    ] as const) {
      const peak = await run(total, Infinity);
      const peakPerSecond = total / peak.seconds;
      const halfPeakRate = Math.floor(peakPerSecond / 2);
      const half = await run(Math.min(total, halfPeakRate * 8), halfPeakRate);
      results.push({ name, peakPerSecond, halfPeakRate, p50Ms: percentile(half.latencies, 50), p99Ms: percentile(half.latencies, 99) });
      console.log(`[bench] ${name}: peak ${peakPerSecond.toFixed(0)} events/s; at ${halfPeakRate}/s p50 ${percentile(half.latencies, 50)} ms, p99 ${percentile(half.latencies, 99)} ms`);
    }
    return results;
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}
