import net from "node:net";
import { randomUUID } from "node:crypto";
import { deadLetterTopic, ensureTopics, grantKafkaAcls, kafkaAclsOf, revokeKafkaAcls, topicName } from "@chaos/mesh/events";
import { connectKafka } from "@chaos/mesh/kafka-client";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { loadInfraConfig } from "./config.js";
import { ensureInfra } from "./index.js";
import { withKafkaAdmin } from "./kafka.js";
import { logLevel } from "kafkajs";
import { ensureRedis, provisionRedisUser, removeRedisUsers } from "./redis.js";
import { redisKeyPrefix } from "@chaos/mesh/server";
import { serviceManifest, statefulServiceNames } from "./services.js";

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

  it("refuses a client that does not log in", async () => {
    // A bare connection, as any local process could open one: the first command is refused.
    const { hostname, port } = new URL(infra.redisUrl);
    const socket = net.connect({ host: hostname, port: Number(port) });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        socket.once("error", reject);
        socket.once("data", (data) => resolve(String(data)));
        socket.write("GET gateway:limits:x\r\n");
      });
      expect(reply).toMatch(/^-NOAUTH/);
    } finally {
      socket.destroy();
    }
  });

  it("gives every service that uses Redis a login of its own", async () => {
    const users = Object.entries(infra.redisUrls).map(([service, url]) => [service, new URL(url).username]);
    expect(users.length).toBeGreaterThan(0);
    for (const [service, user] of users) expect(user).toBe(`chaos-${service}`);
  });

  it("lets a service's user reach its own keys and channels only, and no administrative command", async () => {
    const world = `acl${randomUUID().slice(0, 8)}`;
    const url = await provisionRedisUser(infra.redisUrl, `${world}-combat`, "combat", randomUUID(), world);
    const combat = new Redis(url, { keyPrefix: redisKeyPrefix("combat", world), maxRetriesPerRequest: 0 });
    const raw = new Redis(url, { maxRetriesPerRequest: 0 });
    const refusal = (command: Promise<unknown>) => command.then(() => "done", (error: Error) => error.message.split(" ")[0]);
    try {
      await combat.set("mana:mage", "90");
      expect(await combat.get("mana:mage")).toBe("90");
      expect(await combat.eval("return redis.call('INCRBY', KEYS[1], 5)", 1, "mana:mage")).toBe(95);
      // Another service's keys, in this world or outside any, and its channels.
      expect(await refusal(raw.get(`${world}:inventory:wallet`))).toBe("NOPERM");
      expect(await refusal(raw.set("gateway:limits:x", "0"))).toBe("NOPERM");
      expect(await refusal(raw.eval("return redis.call('GET', KEYS[1])", 1, `${world}:player:hp`))).toBe("NOPERM");
      expect(await refusal(raw.publish(`${world}:world:territories`, "forged"))).toBe("NOPERM");
      expect(await raw.publish(`${world}:combat:casts`, "own")).toBe(0);
      // The server itself.
      for (const command of [["FLUSHALL"], ["CONFIG", "SET", "requirepass", ""], ["KEYS", "*"], ["ACL", "LIST"], ["SHUTDOWN", "NOSAVE"]]) {
        expect(await refusal(raw.call(command[0]!, ...command.slice(1))), command.join(" ")).toBe("NOPERM");
      }
    } finally {
      await combat.del("mana:mage").catch(() => undefined);
      combat.disconnect();
      raw.disconnect();
      await removeRedisUsers(infra.redisUrl, [`${world}-combat`]);
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
    const kafka = connectKafka(infra.kafka, { clientId: "smoke" });
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

describe("Kafka logins and ACLs", () => {
  // kafkajs wraps the broker's refusal (KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded): its error code is the type of the innermost cause.
  type Refused = { type?: string; name?: string; cause?: Refused; originalError?: Refused };
  const innermost = (error: Refused): string | undefined => {
    const inner = error.cause ?? error.originalError;
    return (inner === undefined ? undefined : innermost(inner)) ?? error.type;
  };
  const refusal = (attempt: Promise<unknown>) => attempt.then(() => "done", (error: Refused) => innermost(error) ?? error.name);

  it("refuses a client that does not log in", async () => {
    const anonymous = connectKafka({ brokers: infra.kafka.brokers }, { clientId: "anonymous", retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 3000, logLevel: logLevel.NOTHING });
    const producer = anonymous.producer();
    expect(await refusal(producer.connect().then(() => producer.send({ topic: "chaos.combat.v1.casts", messages: [{ value: "forged" }] })))).not.toBe("done");
    await producer.disconnect().catch(() => undefined);
  });

  it("refuses a wrong password", async () => {
    const login = infra.kafkaLogins.combat!;
    const impostor = connectKafka({ brokers: infra.kafka.brokers, login: { username: login.username, password: `${login.password}x` } }, { clientId: "impostor", retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const admin = impostor.admin();
    expect(await refusal(admin.connect())).toBe("KafkaJSSASLAuthenticationError");
    await admin.disconnect().catch(() => undefined);
  });

  it("lets a service's login write its own domain's topics, read what it consumes, and no more", async () => {
    const world = `acl${randomUUID().slice(0, 8)}`;
    const manifest = await serviceManifest("progression");
    const login = infra.kafkaLogins.progression!;
    const acls = kafkaAclsOf(manifest, login.username, world);
    const administrator = connectKafka(infra.kafka, { clientId: "acl-admin" });
    const own = topicName("progression", "progress", world);
    const consumed = topicName("combat", "casts", world);
    const foreign = topicName("inventory", "wallets", world);
    await ensureTopics(administrator, [own, consumed, foreign]);
    await withKafkaAdmin(infra.kafka, (admin) => grantKafkaAcls(admin, acls));
    const progression = connectKafka({ brokers: infra.kafka.brokers, login }, { clientId: "acl-progression", retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const producer = progression.producer();
    const admin = progression.admin();
    try {
      await producer.connect();
      await admin.connect();
      const send = (topic: string) => producer.send({ topic, acks: -1, messages: [{ value: "event" }] });
      expect(await refusal(send(own))).toBe("done");
      // Another domain's topic, the one it consumes included: a forged event from it cannot reach Kafka.
      expect(await refusal(send(foreign))).toBe("TOPIC_AUTHORIZATION_FAILED");
      expect(await refusal(send(consumed))).toBe("TOPIC_AUTHORIZATION_FAILED");
      // The same topic in another world.
      expect(await refusal(send(topicName("progression", "progress", `${world}x`)))).toBe("TOPIC_AUTHORIZATION_FAILED");
      // It reads what it consumes, in a group of its own name; another service's group is refused.
      const reader = (groupId: string) => progression.consumer({ groupId, retry: { retries: 0 } });
      const mine = reader(`${world}.progression.events`);
      await mine.connect();
      await mine.subscribe({ topic: consumed, fromBeginning: true });
      const read = new Promise<string>((resolve) => void mine.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }));
      const combat = administrator.producer();
      await combat.connect();
      await combat.send({ topic: consumed, messages: [{ value: "cast" }] });
      await combat.disconnect();
      await expect(read).resolves.toBe("cast");
      await mine.disconnect();
      const theirs = reader(`${world}.inventory.events`);
      await theirs.connect();
      await theirs.subscribe({ topic: consumed, fromBeginning: true });
      // The broker answers its coordinator lookup GROUP_AUTHORIZATION_FAILED, which kafkajs reports as no coordinator found.
      const crashed = new Promise<string>((resolve) => theirs.on(theirs.events.CRASH, ({ payload }) => resolve(payload.error.name)));
      await theirs.run({ eachMessage: async () => undefined });
      expect(await crashed).toBe("KafkaJSGroupCoordinatorNotFound");
      await theirs.disconnect();
      expect(await refusal(admin.deleteTopics({ topics: [own], timeout: 3000 }))).toBe("TOPIC_AUTHORIZATION_FAILED");
      await admin.disconnect();
    } finally {
      await producer.disconnect();
      await withKafkaAdmin(infra.kafka, async (admin) => {
        await revokeKafkaAcls(admin, acls);
        await admin.deleteTopics({ topics: [own, consumed, foreign, deadLetterTopic(consumed)] }).catch(() => undefined);
      });
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
