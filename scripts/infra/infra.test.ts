import net from "node:net";
import { randomUUID } from "node:crypto";
import { ensureTopics } from "@chaos/mesh/events";
import { createKafkaClient } from "@chaos/mesh/kafka-client";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { loadInfraConfig } from "./config.js";
import { ensureInfra } from "./index.js";
import { ensureRedis } from "./redis.js";
import { statefulServiceNames } from "./services.js";

const infra = inject("infra");

describe("PostgreSQL", () => {
  it("gives every stateful service its own database: its owner migrates, its runtime role may not change the schema", async () => {
    const services = await statefulServiceNames();
    expect(Object.keys(infra.postgresUrls).sort()).toEqual(services);
    expect(Object.keys(infra.postgresOwnerUrls).sort()).toEqual(services);
    const owner = new pg.Client(infra.postgresOwnerUrls.combat);
    const runtime = new pg.Client(infra.postgresUrls.combat);
    await owner.connect();
    await runtime.connect();
    const table = `smoke_${randomUUID().replaceAll("-", "")}`;
    try {
      await owner.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, note text NOT NULL)`);
      await owner.query(`GRANT SELECT, INSERT ON ${table} TO chaos_combat_runtime`);
      const id = randomUUID();
      await runtime.query(`INSERT INTO ${table} VALUES ($1, $2)`, [id, "fireball"]);
      const { rows } = await runtime.query(`SELECT note, current_user, current_database() FROM ${table} WHERE id = $1`, [id]);
      expect(rows).toEqual([{ note: "fireball", current_user: "chaos_combat_runtime", current_database: "chaos_combat" }]);
      const refused = (sql: string) => runtime.query(sql).then(() => "done", (error: { code?: string }) => error.code);
      expect(await refused(`DROP TABLE ${table}`)).toBe("42501");
      expect(await refused(`CREATE TABLE planted_${table} (id int)`)).toBe("42501");
    } finally {
      await owner.query(`DROP TABLE IF EXISTS ${table}`);
      await runtime.end();
      await owner.end();
    }
  });

  it("refuses a service's role in another service's database", async () => {
    const intruder = new URL(infra.postgresUrls.combat!);
    intruder.pathname = "/chaos_inventory";
    const client = new pg.Client(intruder.toString());
    const error = await client.connect().then(() => undefined, (e: unknown) => e as { code?: string; message: string });
    await client.end().catch(() => undefined);
    expect(error?.code).toBe("42501");
    expect(error?.message).toMatch(/permission denied for database "chaos_inventory"/);
  });
});

describe("Redis", () => {
  it("stores, expires and counts over a real connection", async () => {
    const redis = new Redis(infra.redisUrl);
    try {
      const key = `smoke:${randomUUID()}`;
      await redis.set(key, "mana", "PX", 200);
      expect(await redis.get(key)).toBe("mana");
      expect(await redis.incrby(`${key}:casts`, 3)).toBe(3);
      await new Promise((r) => setTimeout(r, 300));
      expect(await redis.get(key)).toBeNull();
      await redis.del(`${key}:casts`);
    } finally {
      redis.disconnect();
    }
  });

  it("names the port when another process holds it", async () => {
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const config = { ...loadInfraConfig(), redisUrl: undefined, redisPort: port };
      await expect(ensureRedis(config)).rejects.toThrow(`Port ${port} (Redis) is in use by another process`);
    } finally {
      squatter.close();
    }
  });
});

describe("Kafka", () => {
  it("delivers a produced message to a consumer group through the real broker", async () => {
    const kafka = createKafkaClient({ clientId: "smoke", brokers: infra.kafkaBrokers });
    const topic = `chaos.smoke.v1.${randomUUID()}`;
    // The mesh's own way: kafkajs's waitForLeaders gives up on a topic the broker does not host yet.
    await ensureTopics(kafka, [topic]);
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key: string; value: string; type: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve({
              key: String(message.key),
              value: String(message.value),
              type: String(message.headers?.ce_type),
            }),
        });
      });
      await producer.send({
        topic,
        messages: [{ key: "character-1", value: "fireball hit", headers: { ce_type: "chaos.combat.v1.DamageDealt" } }],
      });
      await expect(received).resolves.toEqual({ key: "character-1", value: "fireball hit", type: "chaos.combat.v1.DamageDealt" });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe("Mailpit", () => {
  it("takes a mail over SMTP and shows it in its HTTP API", async () => {
    const to = `smoke-${randomUUID()}@example.com`;
    const smtp = new URL(infra.smtpUrl);
    const socket = net.connect({ host: smtp.hostname, port: Number(smtp.port) });
    const replies: string[] = [];
    let buffered = "";
    let waiting: (() => void) | undefined;
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\r\n");
      buffered = lines.pop() ?? "";
      // A reply's last line has a space after its code ("250 OK"); the others a dash.
      for (const line of lines) if (/^\d{3} /.test(line)) replies.push(line);
      waiting?.();
    });
    const reply = async (command?: string) => {
      const seen = replies.length;
      if (command !== undefined) socket.write(`${command}\r\n`);
      while (replies.length === seen) await new Promise<void>((resolve) => (waiting = resolve));
      return replies[seen]!;
    };
    try {
      expect(await reply()).toMatch(/^220 /);
      expect(await reply("EHLO smoke.test")).toMatch(/^250 /);
      expect(await reply("MAIL FROM:<infra@chaos.world>")).toMatch(/^250 /);
      expect(await reply(`RCPT TO:<${to}>`)).toMatch(/^250 /);
      expect(await reply("DATA")).toMatch(/^354 /);
      expect(await reply(`From: infra@chaos.world\r\nTo: ${to}\r\nSubject: smoke\r\n\r\nhello\r\n.`)).toMatch(/^250 /);
      await reply("QUIT");
    } finally {
      socket.destroy();
    }
    const found = (await (await fetch(`${infra.mailpitUrl}/api/v1/search?query=${encodeURIComponent(`to:"${to}"`)}`)).json()) as { messages: { Subject: string }[] };
    expect(found.messages.map((m) => m.Subject)).toEqual(["smoke"]);
  });
});

describe("provisioning", () => {
  it("is idempotent: a second call finds everything running and starts nothing", async () => {
    const again = await ensureInfra();
    expect(again.started).toEqual({ postgres: false, redis: false, kafka: false, mailpit: false });
    expect(again.endpoints).toEqual(infra);
  });

  it("rejects a bad port setting, naming the variable", () => {
    const before = process.env.CHAOS_PG_PORT;
    process.env.CHAOS_PG_PORT = "70000";
    try {
      expect(() => loadInfraConfig()).toThrow("CHAOS_PG_PORT must be a TCP port between 1 and 65535");
    } finally {
      if (before === undefined) delete process.env.CHAOS_PG_PORT;
      else process.env.CHAOS_PG_PORT = before;
    }
  });
});
