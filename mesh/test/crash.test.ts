import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, inject, it } from "vitest";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { appendToOutbox, eventTableMigrations, kafkaEnv } from "../src/index.js";
import { useTestDatabase } from "./test-database.js";

const infra = inject("infra");
const eventCount = 10_000;
const test = useTestDatabase([
  ...eventTableMigrations,
  { name: "0001_crash_effects.sql", checksum: "c1", sql: "CREATE TABLE crash_effects (id bigserial PRIMARY KEY, event_id text NOT NULL, cast_id text NOT NULL)" },
]);

/** A fixture process that can be SIGKILLed and restarted. */
function fixture(file: string, env: Record<string, string>) {
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fixtures", file)], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      child.stdout!.once("data", () => resolve());
      child.once("exit", (code, signal) => signal === null && code !== 0 && reject(new Error(`${file} exited with ${code}`)));
    });
  return {
    start,
    async kill() {
      const exited = new Promise((r) => child?.once("exit", r));
      child?.kill("SIGKILL");
      await exited;
    },
  };
}

describe("crash safety", () => {
  it(`loses and duplicates nothing of ${eventCount} events while relay and consumer are SIGKILLed at random moments`, async () => {
    const env = { DATABASE_URL: test.url, ...kafkaEnv(infra.kafka), TOPIC: `chaos.combat.v1.crash-${randomUUID()}`, GROUP: `crash-${randomUUID()}` };
    const relay = fixture("relay-process.ts", env);
    const consumer = fixture("consumer-process.ts", env);
    await Promise.all([relay.start(), consumer.start()]);

    // Writers commit events in transactions of 100 while the chaos loop kills and restarts.
    const writing = (async () => {
      for (let batch = 0; batch < eventCount / 100; batch++) {
        await test.db.transaction((client) =>
          appendToOutbox(client, "spiffe://chaos.world/ns/chaos/sa/combat", Array.from({ length: 100 }, (_, i) => ({
            topic: env.TOPIC,
            aggregateId: `character-${i % 16}`,
            schema: SpellCastSchema,
            message: create(SpellCastSchema, { castId: `cast-${batch * 100 + i}`, spellId: "fireball" }),
          }))),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const kills = { relay: 0, consumer: 0 };
    for (let round = 0; round < 6; round++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1_200));
      const victim = round % 2 === 0 ? "relay" : "consumer";
      await (victim === "relay" ? relay : consumer).kill();
      kills[victim]++;
      await (victim === "relay" ? relay : consumer).start();
    }
    await writing;

    const deadline = Date.now() + 120_000;
    let applied = 0;
    while (Date.now() < deadline) {
      const { rows } = await test.db.pool.query<{ count: string }>("SELECT count(DISTINCT event_id) AS count FROM crash_effects");
      applied = Number(rows[0]!.count);
      if (applied >= eventCount) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all([relay.kill(), consumer.kill()]);

    const { rows } = await test.db.pool.query<{ effects: string; events: string; casts: string; unpublished: string }>(`
      SELECT (SELECT count(*) FROM crash_effects) AS effects,
             (SELECT count(DISTINCT event_id) FROM crash_effects) AS events,
             (SELECT count(DISTINCT cast_id) FROM crash_effects) AS casts,
             (SELECT count(*) FROM mesh_outbox WHERE published_at IS NULL) AS unpublished`);
    expect(kills).toEqual({ relay: 3, consumer: 3 });
    // 0 missing, 0 duplicate effects.
    expect(rows[0]).toEqual({ effects: String(eventCount), events: String(eventCount), casts: String(eventCount), unpublished: "0" });
  }, 240_000);

  it("applies nothing twice when one of two consumers in a group is killed mid-batch (rebalance)", async () => {
    const total = 3_000;
    await test.db.pool.query("TRUNCATE crash_effects");
    const env = { DATABASE_URL: test.url, ...kafkaEnv(infra.kafka), TOPIC: `chaos.combat.v1.rebalance-${randomUUID()}`, GROUP: `rebalance-${randomUUID()}` };
    const relay = fixture("relay-process.ts", env);
    const first = fixture("consumer-process.ts", env);
    const second = fixture("consumer-process.ts", env);
    await Promise.all([relay.start(), first.start(), second.start()]);
    for (let batch = 0; batch < total / 500; batch++) {
      await test.db.transaction((client) =>
        appendToOutbox(client, "spiffe://chaos.world/ns/chaos/sa/combat", Array.from({ length: 500 }, (_, i) => ({
          topic: env.TOPIC,
          aggregateId: `character-${i % 16}`,
          schema: SpellCastSchema,
          message: create(SpellCastSchema, { castId: `rebalance-${batch * 500 + i}` }),
        }))),
      );
    }
    // Kill one member as soon as it is applying effects.
    for (let i = 0; i < 200; i++) {
      const { rows } = await test.db.pool.query<{ count: string }>("SELECT count(*) FROM crash_effects");
      if (Number(rows[0]!.count) > 200) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await first.kill();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const { rows } = await test.db.pool.query<{ count: string }>("SELECT count(DISTINCT event_id) AS count FROM crash_effects");
      if (Number(rows[0]!.count) >= total) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await Promise.all([relay.kill(), second.kill()]);
    const { rows } = await test.db.pool.query<{ effects: string; events: string }>(
      "SELECT count(*) AS effects, count(DISTINCT event_id) AS events FROM crash_effects",
    );
    expect(rows[0]).toEqual({ effects: String(total), events: String(total) });
  }, 180_000);
});
