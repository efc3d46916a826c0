import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, createLogger, eventTableMigrations, migrate, readMigrations, type Database } from "@chaos/mesh";
import { createTestDatabase } from "../../../scripts/test/test-database.js";
import type { ChannelChange, MessageRecord } from "../core/chat-records.js";
import { createMessageStreams, type MessageStreams, type StreamItem } from "../core/message-streams.js";
import { createChatStore, type PgChatStore } from "../store/chat-store.js";

// The streams over chat's real store, without the Redis fan-out: what a stream does when live notices are lost,
// late or repeated (pub/sub is at most once, and notices from two replicas may cross).

const migrations = [...eventTableMigrations, ...readMigrations(fileURLToPath(new URL("../migrations", import.meta.url)))];
const sweepMs = 100;

let created: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Database;
let store: PgChatStore;
/** Sweeps often: it must find lost notices. */
let sweeping: MessageStreams;
/** Sweeps once a minute (never, in these tests): what it delivers came from notices and the gaps they showed. */
let notified: MessageStreams;

beforeAll(async () => {
  created = await createTestDatabase(inject("infra").postgresAdminUrl);
  db = createDatabase(created.url);
  await migrate(db.pool, migrations);
  store = createChatStore(db, "spiffe://chaos.world/ns/chaos/sa/chat");
  const options = { maxStreamsPerPlayer: 10, queueLimit: 100, logger: createLogger("chat-test", "silent") };
  sweeping = createMessageStreams(store, { ...options, sweepMs });
  notified = createMessageStreams(store, { ...options, sweepMs: 60_000 });
});
afterAll(async () => {
  sweeping?.stop();
  notified?.stop();
  await db?.close();
  await created?.drop();
});

/** A character standing in a fresh zone, and that zone's channel. */
async function inZone(): Promise<{ characterId: string; playerId: string; channelId: string }> {
  const characterId = randomUUID();
  const playerId = randomUUID();
  const zoneId = `zone-${characterId.slice(0, 8)}`;
  const channelId = await store.transaction(async (tx) => {
    await tx.recordCharacter({ characterId, playerId, name: "Writer", zoneId });
    return (await tx.ensureChannel("zone", zoneId, zoneId)).channel.channelId;
  });
  return { characterId, playerId, channelId };
}

/** A committed post that no notice announces. */
const postQuietly = (hero: { characterId: string; playerId: string; channelId: string }, text: string): Promise<MessageRecord> =>
  store.transaction(async (tx) => {
    await tx.lockChannel(hero.channelId);
    return tx.insertMessage({
      messageId: randomUUID(),
      channelId: hero.channelId,
      senderCharacterId: hero.characterId,
      senderPlayerId: hero.playerId,
      senderName: "Writer",
      text,
      textHash: text,
      idempotencyKey: "",
    });
  });

const posted = (message: MessageRecord): ChannelChange => ({ kind: "posted", message, revision: message.revision });

function open(streams: MessageStreams, hero: { characterId: string; playerId: string }) {
  const controller = new AbortController();
  const items: StreamItem[] = [];
  const reading = (async () => {
    for await (const item of streams.open(hero.playerId, hero.characterId, new Map(), controller.signal)) items.push(item);
  })();
  const texts = () => items.flatMap((i) => (i.kind === "live" ? [] : [i.message.text]));
  return {
    texts,
    live: () => expect.poll(() => items.some((i) => i.kind === "live")).toBe(true),
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe("a stream whose live notices go wrong", () => {
  it("still delivers a post whose notice was lost, from the database at its next sweep", async () => {
    const hero = await inZone();
    const stream = open(sweeping, hero);
    await stream.live();
    await postQuietly(hero, "never announced");
    await expect.poll(stream.texts, { timeout: sweepMs * 50 }).toEqual(["never announced"]);
    await stream.close();
  });

  it("fills a gap from the database when a later notice arrives first, and drops repeated and late notices", async () => {
    const hero = await inZone();
    const stream = open(notified, hero);
    await stream.live();
    const first = await postQuietly(hero, "first");
    const second = await postQuietly(hero, "second");
    notified.changed(posted(second));
    await expect.poll(stream.texts).toEqual(["first", "second"]);
    notified.changed(posted(first));
    notified.changed(posted(second));
    const third = await postQuietly(hero, "third");
    notified.changed(posted(third));
    await expect.poll(stream.texts).toEqual(["first", "second", "third"]);
    await stream.close();
  });
});
