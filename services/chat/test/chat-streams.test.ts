import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { ChatService, StreamItemKind } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack, type StackReplica } from "../../../scripts/test/stack.js";
import { metricOf } from "../../../scripts/test/metrics.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { chatWorld, readMessages, revisionsOf, type Hero } from "./chat-world.js";

const maxStreams = 3;

const heartbeatMs = 500;

const stack = useStack(["identity", "chat", "gateway"], {
  env: {
    CHAOS_CHAT_MAX_STREAMS_PER_PLAYER: String(maxStreams),
    CHAOS_CHAT_POSTS_PER_MINUTE: "600",
    CHAOS_CHAT_POST_BURST: "100",
    CHAOS_GATEWAY_PRESENCE_HEARTBEAT_MS: String(heartbeatMs),
  },
});
const world = chatWorld(stack);
const chat = world.chat;

const zone = () => `zone-${randomUUID().slice(0, 8)}`;
const zoneChannel = async (hero: Hero) => (await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer)).channels[1]!.channelId;

/** A stream of `hero`'s channels on a replica's chat (the stack's own when not given). */
function listen(hero: Hero, afterRevision: Record<string, bigint> = {}, replica?: StackReplica) {
  const client = replica === undefined ? chat() : replica.operator.client(ChatService, "chat");
  const controller = new AbortController();
  const stream = client.streamMessages({ characterId: hero.characterId, afterRevision }, { ...hero.player.asPlayer, signal: controller.signal, timeoutMs: 120_000 });
  return readMessages(stream, controller);
}

describe("StreamMessages across two chat replicas", () => {
  let second: StackReplica | undefined;
  const replica = async () => (second ??= await stack.startReplica("chat"));

  it("delivers a message posted on replica A to a subscriber on replica B, and a reconnect resumes with neither gap nor duplicate", async () => {
    const place = zone();
    const [writer, reader] = await Promise.all([world.hero(place), world.hero(place)]);
    const channelId = await zoneChannel(writer!);
    const b = await replica();
    const first = listen(reader!, {}, b);
    await first.live;
    await chat().postMessage({ characterId: writer!.characterId, channelId, text: "hello from A" }, writer!.player.asPlayer);
    const [got] = await first.until(1);
    expect(got).toMatchObject({ kind: StreamItemKind.POSTED, message: { text: "hello from A", sequence: 1n, senderCharacterId: writer!.characterId } });
    const resumeFrom = revisionsOf(first);
    await first.close();

    // While the reader is away: three posts, through both replicas, and a moderator deletes the first message.
    const posts = b.operator.client(ChatService, "chat");
    for (const text of ["one", "two"]) await chat().postMessage({ characterId: writer!.characterId, channelId, text }, writer!.player.asPlayer);
    await posts.postMessage({ characterId: writer!.characterId, channelId, text: "three" }, writer!.player.asPlayer);
    await chat().deleteMessage({ messageId: got!.message!.messageId, reason: "test" }, await world.moderator());

    const second = listen(reader!, resumeFrom, b);
    await second.live;
    expect(second.items.map((i) => [i.kind, i.message!.text, i.message!.sequence, i.revision])).toEqual([
      [StreamItemKind.POSTED, "one", 2n, 2n],
      [StreamItemKind.POSTED, "two", 3n, 3n],
      [StreamItemKind.POSTED, "three", 4n, 4n],
      [StreamItemKind.DELETED, "", 1n, 5n],
    ]);
    await chat().postMessage({ characterId: writer!.characterId, channelId, text: "four" }, writer!.player.asPlayer);
    await second.until(5);
    expect(second.items[4]).toMatchObject({ kind: StreamItemKind.POSTED, message: { text: "four", sequence: 5n }, revision: 6n });
    await second.close();
  });

  it("gives subscribers on both replicas every message of concurrent posts through both, once each, in sequence order", async () => {
    const place = zone();
    const heroes = await Promise.all(Array.from({ length: 4 }, () => world.hero(place)));
    const channelId = await zoneChannel(heroes[0]!);
    const b = await replica();
    const onA = listen(heroes[0]!);
    const onB = listen(heroes[1]!, {}, b);
    await Promise.all([onA.live, onB.live]);
    const clients = [chat(), b.operator.client(ChatService, "chat")];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => clients[i % 2]!.postMessage({ characterId: heroes[i % 4]!.characterId, channelId, text: `burst ${i}` }, heroes[i % 4]!.player.asPlayer)),
    );
    for (const reader of [onA, onB]) {
      await reader.until(40);
      expect(reader.items.map((i) => i.message!.sequence)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
    }
    await Promise.all([onA.close(), onB.close()]);
  });

  it("ends its streams when a replica drains, and the clients resume on the other without losing a message", async () => {
    const place = zone();
    const [writer, reader] = await Promise.all([world.hero(place), world.hero(place)]);
    const channelId = await zoneChannel(writer!);
    const doomed = await stack.startReplica("chat");
    const stream = listen(reader!, {}, doomed);
    await stream.live;
    await chat().postMessage({ characterId: writer!.characterId, channelId, text: "before" }, writer!.player.asPlayer);
    await stream.until(1);
    const stopping = doomed.stop("SIGTERM");
    await chat().postMessage({ characterId: writer!.characterId, channelId, text: "during" }, writer!.player.asPlayer);
    await stopping;
    await stream.close();
    const resumed = listen(reader!, revisionsOf(stream));
    await resumed.live;
    const texts = [...stream.items, ...resumed.items].map((i) => i.message!.text);
    expect(texts).toEqual(["before", "during"]);
    await resumed.close();
  });
});

describe("StreamMessages", () => {
  it("delivers deletions live, and not a blocked character's direct messages", async () => {
    const [me, pest, friend] = await Promise.all([world.hero(zone()), world.hero(zone()), world.hero(zone())]);
    const withPest = (await chat().openDirectChannel({ characterId: me!.characterId, otherCharacterId: pest!.characterId }, me!.player.asPlayer)).channel!.channelId;
    const withFriend = (await chat().openDirectChannel({ characterId: me!.characterId, otherCharacterId: friend!.characterId }, me!.player.asPlayer)).channel!.channelId;
    await chat().blockPlayer({ characterId: me!.characterId, blockedCharacterId: pest!.characterId }, me!.player.asPlayer);
    const stream = listen(me!);
    await stream.live;
    await chat().postMessage({ characterId: pest!.characterId, channelId: withPest, text: "you can't hide" }, pest!.player.asPlayer);
    const { message } = await chat().postMessage({ characterId: friend!.characterId, channelId: withFriend, text: "hi!" }, friend!.player.asPlayer);
    await chat().deleteMessage({ messageId: message!.messageId }, await world.moderator());
    await stream.until(2);
    expect(stream.items.map((i) => [i.kind, i.message!.channelId, i.message!.text])).toEqual([
      [StreamItemKind.POSTED, withFriend, "hi!"],
      [StreamItemKind.DELETED, withFriend, ""],
    ]);
    await stream.close();
  });

  it("picks up a channel joined while the stream is open", async () => {
    const [lead, guest] = await Promise.all([world.hero(zone()), world.hero(zone())]);
    const stream = listen(guest!);
    await stream.live;
    const party = (await chat().createParty({ characterId: lead!.characterId }, lead!.player.asPlayer)).channel!.channelId;
    await chat().inviteToParty({ characterId: lead!.characterId, channelId: party, inviteeCharacterId: guest!.characterId }, lead!.player.asPlayer);
    await chat().joinParty({ characterId: guest!.characterId, channelId: party }, guest!.player.asPlayer);
    // The join's notice and the sweep both tell the stream; posts keep coming until one is delivered.
    await eventually(
      async () => {
        await chat().postMessage({ characterId: lead!.characterId, channelId: party, text: `welcome ${randomUUID().slice(0, 4)}` }, lead!.player.asPlayer);
        return stream.items.length;
      },
      (n) => n > 0,
    );
    expect(stream.items[0]!.message!.channelId).toBe(party);
    await stream.close();
  });

  it("refuses more open streams than a player may have, and someone else's character", async () => {
    const hero = await world.hero(zone());
    const open = Array.from({ length: maxStreams }, () => listen(hero));
    await Promise.all(open.map((s) => s.live));
    expect(await refusalOf(consume(hero))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_TOO_MANY_STREAMS" });
    await open[0]!.close();
    // The client's cancel reaches chat a moment after close() returns: the freed place is taken once chat saw it go.
    await eventually(
      () => consume(hero).then(() => "accepted", (error: Error) => error.message),
      (outcome) => outcome === "accepted",
    );
    await Promise.all(open.slice(1).map((s) => s.close()));
    const stranger = await world.hero(zone());
    expect(await refusalOf(consume({ ...hero, player: stranger.player }))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
  });
});

/** Reads a stream to its first item: a refused stream fails here. */
async function consume(hero: Hero): Promise<void> {
  const controller = new AbortController();
  try {
    for await (const item of chat().streamMessages({ characterId: hero.characterId }, { ...hero.player.asPlayer, signal: controller.signal, timeoutMs: 10_000 })) {
      if (item.kind === StreamItemKind.LIVE) return;
    }
  } finally {
    controller.abort();
  }
}

describe("StreamMessages through the gateway", () => {
  const edge = () => createClient(ChatService, createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" }));
  const bearer = (hero: Hero) => ({ headers: { authorization: `Bearer ${hero.player.accessToken}` } });
  const openStreams = () => metricOf(stack.ports.chat!.admin, "chaos_chat_streams");

  it("relays a Connect client's stream, cancels chat's when the client goes away, and shows the character online meanwhile", async () => {
    const place = zone();
    const [writer, reader] = await Promise.all([world.hero(place), world.hero(place)]);
    const channelId = await zoneChannel(writer!);
    const guildmate = await world.hero(zone());
    await world.guild(writer!, [reader!, guildmate]);
    await chat().addFriend({ characterId: writer!.characterId, friendCharacterId: reader!.characterId }, writer!.player.asPlayer);
    const controller = new AbortController();
    const stream = readMessages(edge().streamMessages({ characterId: reader!.characterId }, { ...bearer(reader!), signal: controller.signal }), controller);
    await stream.live;
    await edge().postMessage({ characterId: writer!.characterId, channelId, text: "through the gateway" }, bearer(writer!));
    const [got] = await stream.until(1);
    expect(got!.message!.text).toBe("through the gateway");
    const friends = () => chat().listFriends({ characterId: writer!.characterId }, writer!.player.asPlayer);
    await eventually(friends, (r) => r.friends[0]?.online === true);
    // The guild mate without a stream is not online; the friend (and guild mate) with one is.
    expect((await chat().listOnline({ characterId: writer!.characterId }, writer!.player.asPlayer)).characters).toMatchObject([
      { characterId: reader!.characterId, friend: true, guildMember: true },
    ]);
    await expect.poll(openStreams, { timeout: 10_000 }).toBe(1);
    await stream.close();
    await expect.poll(openStreams, { timeout: 10_000 }).toBe(0);
    await eventually(friends, (r) => r.friends[0]?.online === false);
    expect((await chat().listOnline({ characterId: writer!.characterId }, writer!.player.asPlayer)).characters).toEqual([]);
  });

  it("counts a player's event feed for named characters as online too, but only the player's own", async () => {
    const [watcher, player, someoneElse] = await Promise.all([world.hero(zone()), world.hero(zone()), world.hero(zone())]);
    for (const friend of [player!, someoneElse!]) {
      await chat().addFriend({ characterId: watcher!.characterId, friendCharacterId: friend.characterId }, watcher!.player.asPlayer);
    }
    const friends = async () => (await chat().listFriends({ characterId: watcher!.characterId }, watcher!.player.asPlayer)).friends;
    const online = async () => (await friends()).find((f) => f.characterId === player!.characterId)?.online;
    const gateway = createClient(GatewayService, createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" }));
    const controller = new AbortController();
    const feed = (async () => {
      for await (const _ of gateway.streamPlayerEvents({ characterIds: [player!.characterId, someoneElse!.characterId] }, { ...bearer(player!), signal: controller.signal }));
    })().catch(() => undefined);
    await eventually(online, (o) => o === true);
    expect((await friends()).find((f) => f.characterId === someoneElse!.characterId)?.online).toBe(false);
    controller.abort();
    await feed;
    await eventually(online, (o) => o === false);
  });

  it("passes chat's refusals of a stream through with their reason", async () => {
    const [hero, other] = await Promise.all([world.hero(zone()), world.hero(zone())]);
    const refused = async () => {
      for await (const item of edge().streamMessages({ characterId: hero!.characterId }, bearer(other!))) return item;
    };
    expect(await refusalOf(refused())).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
  });

  it("keeps a character online with heartbeats while its stream lasts, and lets it lapse when its gateway dies", async () => {
    const [watcher, player] = await Promise.all([world.hero(zone()), world.hero(zone())]);
    await chat().addFriend({ characterId: watcher!.characterId, friendCharacterId: player!.characterId }, watcher!.player.asPlayer);
    const online = async () => (await chat().listFriends({ characterId: watcher!.characterId }, watcher!.player.asPlayer)).friends[0]?.online;
    const controller = new AbortController();
    const stream = readMessages(edge().streamMessages({ characterId: player!.characterId }, { ...bearer(player!), signal: controller.signal }), controller);
    await stream.live;
    await eventually(online, (o) => o === true);
    // Longer than one announcement holds (three heartbeats): only the heartbeats keep it online.
    await new Promise((r) => setTimeout(r, heartbeatMs * 5));
    expect(await online()).toBe(true);
    // A crash sends no offline event: the sessions lapse by themselves.
    await stack.restart("gateway", "SIGKILL");
    await stream.close().catch(() => undefined);
    await eventually(online, (o) => o === false);
  });
});
