import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { logLevel } from "kafkajs";
import type pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import {
  appendToOutbox,
  createDatabase,
  connectKafka,
  listDeadLetters,
  replayDeadLetters,
  createLogger,
  ownerSourceOf,
  spiffeIdFor,
  deadLetterTopic,
  eventTableMigrations,
  newCloudEvent,
  onEvent,
  startEventConsumer,
  startOutboxRelay,
  toKafkaHeaders,
  type EventConsumer,
  type OutboxRelay,
} from "../src/index.js";
import { startFaultProxy } from "../../scripts/test/fault-proxy.js";
import { useTestDatabase } from "./test-database.js";

const infra = inject("infra");
const logger = createLogger("events-test", "silent");
const source = "spiffe://chaos.world/ns/chaos/sa/combat";
const test = useTestDatabase([
  ...eventTableMigrations,
  { name: "0001_effects.sql", checksum: "t1", sql: "CREATE TABLE effects (event_id text PRIMARY KEY, cast_id text NOT NULL, applied_order bigserial)" },
]);
const kafka = connectKafka(infra.kafka, { clientId: "events-test", logLevel: logLevel.NOTHING });

/** Counts effect rows until `expected` or the time runs out. */
async function effectsEventually(expected: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await test.db.pool.query<{ count: string }>("SELECT count(*) FROM effects");
    const count = Number(rows[0]!.count);
    if (count >= expected || Date.now() > deadline) return count;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const spellCast = (castId: string) => create(SpellCastSchema, { castId, casterCharacterId: "c-1", spellId: "fireball", manaSpent: 10 });

function recordingConsumer(topic: string, fail: (castId: string, attempt: number) => boolean = () => false, registry?: Registry, pool: pg.Pool = test.db.pool): Promise<EventConsumer> {
  const attempts = new Map<string, number>();
  return startEventConsumer({
    kafka,
    pool,

    logger,
    groupId: `events-test-${randomUUID()}`,
    topics: [topic],
    maxAttempts: 3,
    initialBackoffMs: 10,
    registry,
    bind: (client) => client,
    sourceOf: (topic) => ownerSourceOf(topic, spiffeIdFor("events-test").uri),
    handlers: [
      onEvent(SpellCastSchema, async (client: pg.PoolClient, message, event) => {
        const attempt = (attempts.get(message.castId) ?? 0) + 1;
        attempts.set(message.castId, attempt);
        if (fail(message.castId, attempt)) throw new Error(`effect of ${message.castId} failed`);
        await client.query("INSERT INTO effects (event_id, cast_id) VALUES ($1, $2)", [event.id, message.castId]);
      }),
    ],
  });
}

describe("transactional outbox → Kafka → inbox", () => {
  let relay: OutboxRelay;
  const registry = new Registry();
  beforeAll(async () => {
    relay = await startOutboxRelay({ pool: test.db.pool, kafka, logger, pollIntervalMs: 50, registry });
  });
  afterAll(() => relay?.stop());

  it("delivers every committed event exactly once, and none from a rolled-back transaction", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const consumer = await recordingConsumer(topic, undefined, registry);
    try {
      for (let i = 0; i < 200; i++) {
        await test.db.transaction((client) => appendToOutbox(client, source, [{ topic, aggregateId: `c-${i % 7}`, schema: SpellCastSchema, message: spellCast(`cast-${i}`) }]));
      }
      await test.db.transaction(async (client) => {
        await appendToOutbox(client, source, [{ topic, aggregateId: "c-x", schema: SpellCastSchema, message: spellCast("rolled-back") }]);
        throw new Error("the state change failed");
      }).catch(() => undefined);
      expect(await effectsEventually(200)).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await test.db.pool.query<{ count: string; distinct: string; rolled: string }>(
        "SELECT count(*) AS count, count(DISTINCT cast_id) AS distinct, count(*) FILTER (WHERE cast_id = 'rolled-back') AS rolled FROM effects",
      );
      expect(rows[0]).toEqual({ count: "200", distinct: "200", rolled: "0" });
      const metrics = await registry.metrics();
      expect(metrics).toMatch(new RegExp(`chaos_events_processed_total\\{topic="${topic.replaceAll(".", "\\.")}",outcome="applied"\\} 200`));
      expect(metrics).toMatch(/chaos_outbox_unpublished_rows 0/);
      expect(metrics).toMatch(/chaos_consumer_lag_messages\{topic="[^"]+",partition="\d"\} \d+/);
      expect(metrics).toContain("chaos_event_delivery_seconds_bucket");
    } finally {
      await consumer.stop();
    }
  });

  it("publishes a transaction that commits after a later one (no skipped rows)", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const consumer = await recordingConsumer(topic);
    try {
      const slow = await test.db.pool.connect();
      await slow.query("BEGIN");
      await appendToOutbox(slow, source, [{ topic, aggregateId: "a", schema: SpellCastSchema, message: spellCast("early-id-late-commit") }]);
      await test.db.transaction((client) => appendToOutbox(client, source, [{ topic, aggregateId: "b", schema: SpellCastSchema, message: spellCast("late-id-early-commit") }]));
      expect(await effectsEventually(1)).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      await slow.query("COMMIT");
      slow.release();
      expect(await effectsEventually(2)).toBe(2);
    } finally {
      await consumer.stop();
    }
  });
});

describe("consumer", () => {
  async function produceRaw(topic: string, messages: Array<{ headers: Record<string, string>; value: Buffer }>) {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: messages.map((m) => ({ key: "k", ...m })) });
    await producer.disconnect();
  }

  async function deadLetters(topic: string, expected: number): Promise<Array<{ reason: string; type: string }>> {
    const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic(topic), fromBeginning: true });
    const found: Array<{ reason: string; type: string }> = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          found.push({ reason: String(message.headers?.dlq_reason), type: String(message.headers?.ce_type) });
          if (found.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    return found;
  }

  it("applies a redelivered event once", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const headers = toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1"));
    const value = Buffer.from(toBinary(SpellCastSchema, spellCast("twice")));
    await produceRaw(topic, [{ headers, value }, { headers, value }, { headers, value }]);
    const consumer = await recordingConsumer(topic);
    try {
      expect(await effectsEventually(1)).toBe(1);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await effectsEventually(2, 0)).toBe(1);
    } finally {
      await consumer.stop();
    }
  });

  it("reads past its domain's types it has no handler for; sends other domains' types, unparseable payloads and effects that keep failing to the dead-letter topic, with a reason, and keeps going", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const good = (castId: string) => ({ headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1")), value: Buffer.from(toBinary(SpellCastSchema, spellCast(castId))) });
    await produceRaw(topic, [
      // A type of the topic's own domain that this consumer has no handler for: acknowledged, no effect.
      { headers: toKafkaHeaders(newCloudEvent("chaos.combat.v1.NoSuchEvent", source, "c-1")), value: Buffer.from([1, 2, 3]) },
      // A type of another domain has no business on this topic.
      { headers: toKafkaHeaders(newCloudEvent("chaos.player.v1.CharacterMoved", source, "c-1")), value: Buffer.from([1, 2, 3]) },
      { headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1")), value: Buffer.from([0xff, 0xff, 0xff]) },
      good("always-fails"),
      good("fails-once"),
      good("fine"),
    ]);
    const consumer = await recordingConsumer(topic, (castId, attempt) => castId === "always-fails" || (castId === "fails-once" && attempt === 1));
    try {
      expect(await effectsEventually(2)).toBe(2);
      const { rows } = await test.db.pool.query<{ cast_id: string }>("SELECT cast_id FROM effects ORDER BY cast_id");
      expect(rows.map((r) => r.cast_id)).toEqual(["fails-once", "fine"]);
      const letters = await deadLetters(topic, 3);
      expect(letters.map((l) => l.reason)).toEqual([
        "unknown event type chaos.player.v1.CharacterMoved",
        expect.stringMatching(/^unparseable chaos\.combat\.v1\.SpellCast payload/),
        "effect failed 3 times: effect of always-fails failed",
      ]);
    } finally {
      await consumer.stop();
    }
  });

  it("waits out a PostgreSQL outage longer than its poison retries: the effects come late, in order, and none is dead-lettered", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const server = new URL(test.url);
    const proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port) });
    const throughProxy = new URL(test.url);
    throughProxy.port = String(proxy.port);
    const db = createDatabase(throughProxy.toString());
    // The consumer's database is unreachable when the events arrive.
    proxy.cut();
    const consumer = await recordingConsumer(topic, undefined, undefined, db.pool);
    try {
      const cast = (castId: string) => ({ headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1")), value: Buffer.from(toBinary(SpellCastSchema, spellCast(castId))) });
      await produceRaw(topic, [cast("first"), cast("second"), cast("third")]);
      // Three attempts 10 ms apart would have dead-lettered all three long before the outage ends.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await effectsEventually(1, 0)).toBe(0);
      proxy.restore();
      expect(await effectsEventually(3)).toBe(3);
      const { rows } = await test.db.pool.query<{ cast_id: string }>("SELECT cast_id FROM effects ORDER BY applied_order");
      expect(rows.map((r) => r.cast_id)).toEqual(["first", "second", "third"]);
      expect(await listDeadLetters(kafka, topic, 3_000)).toEqual([]);
    } finally {
      await consumer.stop();
      await db.close();
      await proxy.close();
    }
  });

  it("retries an effect that waits on a lock for longer than its poison retries, instead of dead-lettering it", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    // The consumer's sessions give up waiting on a lock after 100 ms (lock_not_available, as a service with a lock_timeout sees).
    const impatient = new URL(test.url);
    impatient.searchParams.set("options", "-c lock_timeout=100");
    const db = createDatabase(impatient.toString());
    const event = newCloudEvent(SpellCastSchema.typeName, source, "c-1");
    // Another transaction holds the row the effect writes for 2.5 s, then gives it up.
    const holder = await test.db.pool.connect();
    await holder.query("BEGIN");
    await holder.query("INSERT INTO effects (event_id, cast_id) VALUES ($1, 'holder')", [event.id]);
    const consumer = await recordingConsumer(topic, undefined, undefined, db.pool);
    try {
      await produceRaw(topic, [{ headers: toKafkaHeaders(event), value: Buffer.from(toBinary(SpellCastSchema, spellCast("contended"))) }]);
      await new Promise((r) => setTimeout(r, 2_500));
      await holder.query("ROLLBACK");
      expect(await effectsEventually(1)).toBe(1);
      const { rows } = await test.db.pool.query<{ cast_id: string }>("SELECT cast_id FROM effects");
      expect(rows.map((r) => r.cast_id)).toEqual(["contended"]);
      expect(await listDeadLetters(kafka, topic, 3_000)).toEqual([]);
    } finally {
      holder.release();
      await consumer.stop();
      await db.close();
    }
  });

  it("applies only events whose ce_source is the workload that owns the topic; forged ones go to the dead-letter topic, named", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const from = (claimed: string, castId: string) => ({ headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, claimed, "c-1")), value: Buffer.from(toBinary(SpellCastSchema, spellCast(castId))) });
    const consumer = await recordingConsumer(topic);
    try {
      await produceRaw(topic, [
        // Any local process can write to Kafka: these claim to be someone else, or combat of another trust domain.
        from("spiffe://chaos.world/ns/chaos/sa/intruder", "forged-by-intruder"),
        from("spiffe://evil.example/ns/chaos/sa/combat", "forged-other-domain"),
        from(source, "genuine"),
      ]);
      expect(await effectsEventually(1)).toBe(1);
      const letters = await deadLetters(topic, 2);
      expect(letters.map((l) => l.reason)).toEqual([
        `ce_source spiffe://chaos.world/ns/chaos/sa/intruder does not own ${topic} (its events come from ${source})`,
        `ce_source spiffe://evil.example/ns/chaos/sa/combat does not own ${topic} (its events come from ${source})`,
      ]);
      const { rows } = await test.db.pool.query<{ cast_id: string }>("SELECT cast_id FROM effects");
      expect(rows.map((r) => r.cast_id)).toEqual(["genuine"]);
    } finally {
      await consumer.stop();
    }
  });

  it("lists dead letters with their reasons and replays them once after the cause is fixed", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    let fixed = false;
    const consumer = await recordingConsumer(topic, (castId) => castId === "needs-fix" && !fixed);
    try {
      await produceRaw(topic, [
        { headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1")), value: Buffer.from(toBinary(SpellCastSchema, spellCast("needs-fix"))) },
      ]);
      const letters = await (async () => {
        for (let i = 0; i < 40; i++) {
          const found = await listDeadLetters(kafka, topic, 5_000);
          if (found.length > 0) return found;
          await new Promise((r) => setTimeout(r, 250));
        }
        return [];
      })();
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ eventType: "chaos.combat.v1.SpellCast", reason: "effect failed 3 times: effect of needs-fix failed" });
      expect(await effectsEventually(1, 0)).toBe(0);

      fixed = true;
      expect(await replayDeadLetters(kafka, topic)).toBe(1);
      expect(await effectsEventually(1)).toBe(1);
      expect(await replayDeadLetters(kafka, topic, 5_000)).toBe(0);
    } finally {
      await consumer.stop();
    }
  }, 90_000);
});

describe("outbox relay leadership", () => {
  it("after the database drops the leader's session, exactly one relay publishes, and every event still arrives once", async () => {
    await test.db.pool.query("TRUNCATE effects");
    const topic = `chaos.combat.v1.test-${randomUUID()}`;
    const consumer = await recordingConsumer(topic);
    const first = await startOutboxRelay({ pool: test.db.pool, kafka, logger, pollIntervalMs: 50 });
    const second = await startOutboxRelay({ pool: test.db.pool, kafka, logger, pollIntervalMs: 50 });
    const leaders = () => [first.isLeader, second.isLeader].filter(Boolean).length;
    const append = (castId: string) => test.db.transaction((client) => appendToOutbox(client, source, [{ topic, aggregateId: castId, schema: SpellCastSchema, message: spellCast(castId) }]));
    try {
      for (let i = 0; i < 10; i++) await append(`before-${i}`);
      expect(await effectsEventually(10)).toBe(10);
      expect(leaders()).toBe(1);
      // The session holding the relay's advisory lock goes away (a failover, an administrator): its lock with it.
      await test.db.pool.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
      for (let i = 0; i < 10; i++) await append(`after-${i}`);
      expect(await effectsEventually(20)).toBe(20);
      await new Promise((r) => setTimeout(r, 500));
      expect(leaders(), "one relay, never two, publishes after the lock moved").toBe(1);
      const { rows } = await test.db.pool.query<{ count: string; distinct: string }>("SELECT count(*) AS count, count(DISTINCT cast_id) AS distinct FROM effects");
      expect(rows[0]).toEqual({ count: "20", distinct: "20" });
    } finally {
      await consumer.stop();
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
