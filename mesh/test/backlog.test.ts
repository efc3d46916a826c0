import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { logLevel } from "kafkajs";
import type pg from "pg";
import { expect, inject, it } from "vitest";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import {
  connectKafka,
  createKafkaLogCreator,
  createLogger,
  eventTableMigrations,
  newCloudEvent,
  onEvent,
  ownerSourceOf,
  spiffeIdFor,
  startEventConsumer,
  toKafkaHeaders,
} from "../src/index.js";
import { useTestDatabase } from "./test-database.js";

const infra = inject("infra");
const source = "spiffe://chaos.world/ns/chaos/sa/combat";
const test = useTestDatabase([
  ...eventTableMigrations,
  { name: "0001_effects.sql", checksum: "t1", sql: "CREATE TABLE effects (event_id text PRIMARY KEY, cast_id text NOT NULL)" },
]);

// The broker's smallest allowed session (group.min.session.timeout.ms, Kafka's default 6 s): the backlog below takes well over it.
const sessionTimeoutMs = 6_000;
// One partition's backlog after downtime, one fetch of it (~1 MB) at ~4 ms an effect: about 12 s, twice the session.
const backlog = 3_000;

it("works through a backlog that takes longer than the group session without being dropped from the group, each event applied once", async () => {
  const topic = `chaos.combat.v1.backlog-${randomUUID()}`;
  const groupId = `backlog-test-${randomUUID()}`;
  // kafkajs logs each join of the group at INFO: a second join means the broker dropped the member and the group rebalanced.
  const joins: string[] = [];
  const kafka = connectKafka(infra.kafka, {
    clientId: "backlog-test",
    logLevel: logLevel.INFO,
    logCreator: createKafkaLogCreator((_level, line) => {
      const entry = JSON.parse(line) as { message: string; groupId?: string; memberId?: string };
      if (entry.message.endsWith("Consumer has joined the group") && entry.groupId === groupId) joins.push(entry.memberId ?? "");
    }),
  });

  // The backlog is already there when the consumer starts, all on one partition (one key), as after a service's downtime.
  const producer = kafka.producer();
  await producer.connect();
  for (let sent = 0; sent < backlog; sent += 500) {
    await producer.send({
      topic,
      messages: Array.from({ length: 500 }, (_, i) => ({
        key: "c-1",
        headers: toKafkaHeaders(newCloudEvent(SpellCastSchema.typeName, source, "c-1")),
        value: Buffer.from(toBinary(SpellCastSchema, create(SpellCastSchema, { castId: `cast-${sent + i}`, casterCharacterId: "c-1", spellId: "fireball", manaSpent: 10 }))),
      })),
    });
  }
  await producer.disconnect();

  const consumer = await startEventConsumer({
    kafka,
    pool: test.db.pool,
    logger: createLogger("backlog-test", "silent"),
    groupId,
    topics: [topic],
    sessionTimeoutMs,
    bind: (client) => client,
    sourceOf: (t) => ownerSourceOf(t, spiffeIdFor("backlog-test").uri),
    handlers: [
      onEvent(SpellCastSchema, async (client: pg.PoolClient, message, event) => {
        await client.query("INSERT INTO effects (event_id, cast_id) VALUES ($1, $2)", [event.id, message.castId]);
        // An effect that takes a little time, as a real one with a few statements does.
        await new Promise((r) => setTimeout(r, 3));
      }),
    ],
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Done when the group's committed offsets reach the end of the topic: every effect committed and acknowledged.
    const committed = async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    };
    const deadline = Date.now() + 45_000;
    while ((await committed()) < backlog && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

    expect(await committed()).toBe(backlog);
    const { rows } = await test.db.pool.query<{ count: string; distinct: string }>("SELECT count(*) AS count, count(DISTINCT cast_id) AS distinct FROM effects");
    expect(rows[0]).toEqual({ count: String(backlog), distinct: String(backlog) });
    expect(joins, "the consumer joined its group once: the broker never dropped it mid-backlog").toHaveLength(1);
  } finally {
    await admin.disconnect();
    await consumer.stop();
  }
}, 60_000);
