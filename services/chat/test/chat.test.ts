import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ChannelKind } from "@chaos/gen/chaos/chat/v1/channel_pb.js";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { Code, refusal, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { chatWorld } from "./chat-world.js";

const maxLength = 40;
const maxParty = 3;

// Player and guild are not in the stack: the test announces characters and guilds with their events.
const stack = useStack(["identity", "chat"], {
  env: {
    CHAOS_CHAT_MAX_MESSAGE_LENGTH: String(maxLength),
    CHAOS_CHAT_MAX_PARTY_MEMBERS: String(maxParty),
    CHAOS_CHAT_POSTS_PER_MINUTE: "60",
    CHAOS_CHAT_POST_BURST: "30",
    CHAOS_CHAT_BLOCKED_WORDS: "darn,heck",
  },
});
const world = chatWorld(stack);
const chat = world.chat;

const zone = () => `zone-${randomUUID().slice(0, 8)}`;
const post = (hero: { player: { asPlayer: { headers: Record<string, string> } }; characterId: string }, channelId: string, text: string, idempotencyKey = "") =>
  chat().postMessage({ characterId: hero.characterId, channelId, text, idempotencyKey }, hero.player.asPlayer);

describe("channels a character is in", () => {
  it("are the world and the zone it stands in, which changes as it moves", async () => {
    const [here, there] = [zone(), zone()];
    const hero = await world.hero(here);
    const { channels } = await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer);
    expect(channels.map((c) => [c.kind, c.scopeId])).toEqual([
      [ChannelKind.WORLD, ""],
      [ChannelKind.ZONE, here],
    ]);
    const oldZone = channels[1]!.channelId;
    await world.move(hero, here, there);
    const moved = await eventually(() => chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer), (r) => r.channels[1]?.scopeId === there);
    expect(moved.channels).toHaveLength(2);
    expect(await refusalOf(post(hero, oldZone, "anyone here?"))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_A_MEMBER" });
    await eventually(async () => world.events("ChannelCreated"), (events) => events.some((e) => (e.message as { channel?: { scopeId: string } }).channel?.scopeId === there));
  });

  it("are refused for someone else's character, and unknown channels are not found", async () => {
    const hero = await world.hero(zone());
    const stranger = await world.hero(zone());
    expect(await refusalOf(chat().listChannels({ characterId: hero.characterId }, stranger.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
    expect(await refusalOf(post(hero, randomUUID(), "hello"))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHANNEL_NOT_FOUND" });
    const malformed = await refusal(post(hero, "general", ""));
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.rawMessage).toMatch(/channel_id: must be a valid UUID/);
    expect(malformed.rawMessage).toMatch(/text: /);
  });

  it("include the guild's channel from guild's events, until the member is kicked", async () => {
    const leader = await world.hero(zone());
    const member = await world.hero(zone());
    const outsider = await world.hero(zone());
    const guild = await world.guild(leader, [member]);
    await post(member, guild.channelId, "for the guild!");
    expect(await refusalOf(post(outsider, guild.channelId, "let me in"))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_A_MEMBER" });
    await guild.kick(member);
    await eventually(() => chat().listChannels({ characterId: member.characterId }, member.player.asPlayer), (r) => !r.channels.some((c) => c.channelId === guild.channelId));
    expect(await refusalOf(post(member, guild.channelId, "wait"))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_A_MEMBER" });
    const history = await chat().listMessages({ characterId: leader.characterId, channelId: guild.channelId }, leader.player.asPlayer);
    expect(history.messages.map((m) => m.text)).toEqual(["for the guild!"]);
  });
});

describe("posting and history", () => {
  it("numbers a channel's messages 1, 2, 3... without gaps under concurrent posts, and pages back through them", async () => {
    const place = zone();
    const heroes = await Promise.all(Array.from({ length: 4 }, () => world.hero(place)));
    const channelId = (await chat().listChannels({ characterId: heroes[0]!.characterId }, heroes[0]!.player.asPlayer)).channels[1]!.channelId;
    const posted = await Promise.all(Array.from({ length: 40 }, (_, i) => post(heroes[i % 4]!, channelId, `line ${i}`)));
    expect(posted.map((p) => Number(p.message!.sequence)).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const reader = heroes[0]!;
    const seen: bigint[] = [];
    let before = 0n;
    for (;;) {
      const page = await chat().listMessages({ characterId: reader.characterId, channelId, beforeSequence: before, pageSize: 15 }, reader.player.asPlayer);
      seen.push(...page.messages.map((m) => m.sequence));
      if (!page.hasMore) break;
      before = page.messages.at(-1)!.sequence;
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(40 - i)));
    const bySequence = new Map(posted.map((p) => [p.message!.sequence, p.message!.text]));
    const newest = await chat().listMessages({ characterId: reader.characterId, channelId, pageSize: 1 }, reader.player.asPlayer);
    expect(newest.messages[0]!.text).toBe(bySequence.get(40n));
  });

  it("stores a retried post once, and refuses its key for another text", async () => {
    const hero = await world.hero(zone());
    const channelId = (await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer)).channels[1]!.channelId;
    const key = randomUUID();
    const [first, again] = await Promise.all([post(hero, channelId, "only once", key), post(hero, channelId, "only once", key)]);
    expect(again.message!.messageId).toBe(first.message!.messageId);
    expect((await chat().listMessages({ characterId: hero.characterId, channelId }, hero.player.asPlayer)).messages).toHaveLength(1);
    expect(await refusalOf(post(hero, channelId, "something else", key))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED" });
  });

  it("refuses texts over the length limit and masks listed words", async () => {
    const hero = await world.hero(zone());
    const channelId = (await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer)).channels[1]!.channelId;
    expect(await refusalOf(post(hero, channelId, "x".repeat(maxLength + 1)))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_MESSAGE_TOO_LONG",
      metadata: { max_length: String(maxLength) },
    });
    const { message } = await post(hero, channelId, "Darn it, what the HECK");
    expect(message!.text).toBe("**** it, what the ****");
  });

  it("refuses the same text again within the window, and bursts beyond the cap, both with RetryInfo", async () => {
    const hero = await world.hero(zone());
    const channelId = (await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer)).channels[1]!.channelId;
    await post(hero, channelId, "buy gold cheap");
    const repeat = await refusal(post(hero, channelId, "BUY GOLD CHEAP "));
    expect(repeat.code).toBe(Code.ResourceExhausted);
    expect(repeat.findDetails(RetryInfoSchema)[0]?.retryDelay).toBeDefined();
    const burst = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => post(hero, channelId, `spam ${i}`)));
    const refused = burst.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(refused.length).toBeGreaterThan(0);
    const limited = await refusal(Promise.reject(refused[0]));
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.findDetails(RetryInfoSchema)[0]?.retryDelay).toBeDefined();
    expect(await refusalOf(Promise.reject(refused[0]))).toMatchObject({ reason: "ERROR_REASON_RATE_LIMITED" });
  });
});

describe("parties", () => {
  it("are joined by invitation only, up to the maximum, and closed when the last one leaves", async () => {
    const [lead, a, b, c] = await Promise.all([world.hero(zone()), world.hero(zone()), world.hero(zone()), world.hero(zone())]);
    const { channel } = await chat().createParty({ characterId: lead!.characterId }, lead!.player.asPlayer);
    const partyId = channel!.channelId;
    expect(channel!.kind).toBe(ChannelKind.PARTY);
    expect(await refusalOf(chat().joinParty({ characterId: a!.characterId, channelId: partyId }, a!.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_INVITED",
    });
    for (const h of [a!, b!, c!]) await chat().inviteToParty({ characterId: lead!.characterId, channelId: partyId, inviteeCharacterId: h.characterId }, lead!.player.asPlayer);
    await chat().joinParty({ characterId: a!.characterId, channelId: partyId }, a!.player.asPlayer);
    const joined = await chat().joinParty({ characterId: b!.characterId, channelId: partyId }, b!.player.asPlayer);
    expect(joined.channel!.memberCharacterIds).toEqual([lead!.characterId, a!.characterId, b!.characterId]);
    expect(await refusalOf(chat().joinParty({ characterId: c!.characterId, channelId: partyId }, c!.player.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_PARTY_FULL",
    });
    await post(b!, partyId, "hi party");
    for (const h of [lead!, a!, b!]) await chat().leaveParty({ characterId: h.characterId, channelId: partyId }, h.player.asPlayer);
    expect(await refusalOf(post(a!, partyId, "anyone?"))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHANNEL_NOT_FOUND" });
  });
});

describe("direct messages and blocks", () => {
  it("hide a blocked character's direct messages from the blocker's history and stop new direct channels", async () => {
    const [me, pest] = await Promise.all([world.hero(zone()), world.hero(zone())]);
    const { channel } = await chat().openDirectChannel({ characterId: me!.characterId, otherCharacterId: pest!.characterId }, me!.player.asPlayer);
    const again = await chat().openDirectChannel({ characterId: pest!.characterId, otherCharacterId: me!.characterId }, pest!.player.asPlayer);
    expect(again.channel!.channelId).toBe(channel!.channelId);
    expect([...channel!.memberCharacterIds].sort()).toEqual([me!.characterId, pest!.characterId].sort());
    await post(pest!, channel!.channelId, "hey");
    await post(me!, channel!.channelId, "hello");
    await chat().blockPlayer({ characterId: me!.characterId, blockedCharacterId: pest!.characterId }, me!.player.asPlayer);
    await post(pest!, channel!.channelId, "hey, answer me");
    const mine = await chat().listMessages({ characterId: me!.characterId, channelId: channel!.channelId }, me!.player.asPlayer);
    expect(mine.messages.map((m) => m.text)).toEqual(["hello"]);
    expect(await refusalOf(chat().openDirectChannel({ characterId: pest!.characterId, otherCharacterId: me!.characterId }, pest!.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_BLOCKED",
    });
    await chat().unblockPlayer({ characterId: me!.characterId, blockedCharacterId: pest!.characterId }, me!.player.asPlayer);
    const after = await chat().listMessages({ characterId: me!.characterId, channelId: channel!.channelId }, me!.player.asPlayer);
    expect(after.messages.map((m) => m.text)).toEqual(["hey, answer me", "hello", "hey"]);
    expect(await refusalOf(chat().openDirectChannel({ characterId: me!.characterId, otherCharacterId: me!.characterId }, me!.player.asPlayer))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_SELF_TARGET",
    });
  });
});

describe("moderation", () => {
  it("deletes a message for moderators only: history keeps its place with no text, and MessageDeleted is published", async () => {
    const hero = await world.hero(zone());
    const channelId = (await chat().listChannels({ characterId: hero.characterId }, hero.player.asPlayer)).channels[1]!.channelId;
    const { message } = await post(hero, channelId, "something rude");
    expect(await refusalOf(chat().deleteMessage({ messageId: message!.messageId }, hero.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_A_MODERATOR",
    });
    const moderator = await world.moderator();
    await chat().deleteMessage({ messageId: message!.messageId, reason: "rude" }, moderator);
    const history = await chat().listMessages({ characterId: hero.characterId, channelId }, hero.player.asPlayer);
    expect(history.messages).toHaveLength(1);
    expect(history.messages[0]).toMatchObject({ messageId: message!.messageId, deleted: true, text: "", sequence: 1n });
    await eventually(async () => world.events("MessageDeleted"), (events) => events.some((e) => e.message.messageId === message!.messageId));
    expect(await refusalOf(chat().deleteMessage({ messageId: randomUUID() }, moderator))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_MESSAGE_NOT_FOUND" });
  });

  it("mutes every character of the player, saying until when, and refuses a mute shorter than a minute", async () => {
    const hero = await world.hero(zone());
    const alt = await world.hero(zone(), hero.player);
    const altWorld = (await chat().listChannels({ characterId: alt.characterId }, alt.player.asPlayer)).channels[0]!.channelId;
    const moderator = await world.moderator();
    const { untilTime } = await chat().mutePlayer({ characterId: hero.characterId, duration: { seconds: 60n }, reason: "spam" }, moderator);
    const muted = await refusalOf(post(alt, altWorld, "am I muted?"));
    expect(muted).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_MUTED" });
    expect(Date.parse(muted.metadata.until!)).toBe(Number(untilTime!.seconds) * 1000 + Math.floor(untilTime!.nanos / 1e6));
    expect(await refusalOf(chat().mutePlayer({ characterId: hero.characterId, duration: { seconds: 1n } }, moderator))).toMatchObject({ code: Code.InvalidArgument });
    await eventually(async () => world.events("PlayerMuted"), (events) => events.some((e) => e.message.playerId === hero.player.accountId));
  });

  it("lets any member report a message, once, published for anti-cheat with the text as it was", async () => {
    const place = zone();
    const [writer, reader] = await Promise.all([world.hero(place), world.hero(place)]);
    const outsider = await world.hero(zone());
    const channelId = (await chat().listChannels({ characterId: writer!.characterId }, writer!.player.asPlayer)).channels[1]!.channelId;
    const { message } = await post(writer!, channelId, "meet me outside the game");
    await chat().reportMessage({ characterId: reader!.characterId, messageId: message!.messageId, reason: "luring" }, reader!.player.asPlayer);
    await chat().reportMessage({ characterId: reader!.characterId, messageId: message!.messageId, reason: "luring" }, reader!.player.asPlayer);
    expect(await refusalOf(chat().reportMessage({ characterId: outsider.characterId, messageId: message!.messageId }, outsider.player.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_MESSAGE_NOT_FOUND",
    });
    const reports = await eventually(
      async () => world.events("MessageReported").filter((e) => (e.message as { message?: { messageId: string } }).message?.messageId === message!.messageId),
      (found) => found.length > 0,
    );
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatchObject({ reporterCharacterId: reader!.characterId, senderPlayerId: writer!.player.accountId, message: { text: "meet me outside the game" } });
  });
});
