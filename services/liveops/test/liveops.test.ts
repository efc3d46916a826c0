import { randomUUID } from "node:crypto";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { GoalKind, LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { LiveopsService } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { useStack } from "../../../scripts/test/stack.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { liveopsWorld, type Hero } from "./liveops-world.js";

// Real processes: casts through combat, characters through player, gold through inventory's ledger, clients through the gateway.
// The schedule job runs every 200 ms so that occurrences a few seconds long start and end within a test.
const stack = useStack(["identity", "player", "combat", "inventory", "liveops", "gateway"], { env: { CHAOS_LIVEOPS_SCHEDULE_TICK_MS: "200" } });
const world = liveopsWorld(stack);
const liveops = world.liveops;

const progressOf = (hero: Hero, instanceId: string, progress: bigint, timeoutMs?: number) =>
  eventually(
    async () => (await liveops().getParticipation({ instanceId, characterId: hero.character.characterId }, hero.player.asPlayer)).participation!,
    (p) => p.progress === progress,
    timeoutMs,
  );

const join = (hero: Hero, eventId: string) => liveops().joinLiveEvent({ eventId, characterId: hero.character.characterId }, hero.player.asPlayer);

describe("liveops: the Event Participation Flow (real processes: identity + player + combat + inventory + liveops + gateway)", () => {
  it("an admin schedules a defeat event; a player joins, defeats a training dummy; the defeat counts once, also delivered again; the reward is granted once", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest({ tiers: [{ threshold: 1n, gold: 250n }, { threshold: 10n, gold: 1000n }] }), admin);
    expect(event).toMatchObject({ state: LiveEventState.ACTIVE, goal: { kind: GoalKind.DEFEATS }, tiers: [{ tier: 1, threshold: 1n }, { tier: 2, threshold: 10n }] });

    const alice = await world.hero();
    const { participation, instance } = await join(alice, event!.eventId);
    expect(participation).toMatchObject({ progress: 0n, eventId: event!.eventId, characterId: alice.character.characterId });
    // A retried join gets the first participation.
    expect((await join(alice, event!.eventId)).participation).toEqual(participation);
    const instanceId = instance!.instanceId;
    expect((await liveops().getLiveEvent({ eventId: event!.eventId }, alice.player.asPlayer)).currentInstance?.instanceId).toBe(instanceId);

    const goldBefore = await world.balance(alice);
    const [dummy] = await world.dummies(alice.player);
    await world.defeat(alice, dummy!);
    expect(await progressOf(alice, instanceId, 1n)).toMatchObject({ reachedTiers: [1], claimedTiers: [] });

    // One defeat delivered twice (the same ce_id), then a new one: two more, not three.
    const twice = world.defeatEvent(alice, dummy!.characterId);
    await world.publishEvents([twice, twice, world.defeatEvent(alice, dummy!.characterId)]);
    await progressOf(alice, instanceId, 3n);
    // A liveops killed mid-stream reads again what it had not committed; nothing counts twice.
    await stack.restart("liveops");
    await world.publishEvents([twice, world.defeatEvent(alice, dummy!.characterId)]);
    // The restarted consumer first waits for its group to settle.
    await progressOf(alice, instanceId, 4n, 60_000);
    // One ProgressRecorded per source event (the outbox relay may publish one again after the kill; its progress is the same).
    const recorded = await eventually(
      async () => new Map(world.events("ProgressRecorded").filter((e) => e.message.characterId === alice.character.characterId).map((e) => [e.message.sourceEventId, e.message.progress])),
      (bySource) => bySource.size >= 4,
    );
    expect([...recorded.values()].sort()).toEqual([1n, 2n, 3n, 4n]);
    expect(new Set(world.events("ProgressRecorded").filter((e) => e.message.sourceEventId === twice.id).map((e) => e.message.progress)).size).toBe(1);

    const claim = { instanceId, characterId: alice.character.characterId, tier: 1 };
    const first = await liveops().claimReward(claim, alice.player.asPlayer);
    expect(first.claim).toMatchObject({ tier: 1, gold: 250n, grantIds: [`liveops:reward:${instanceId}:${alice.character.characterId}:1:gold`] });
    // Claiming again answers the first claim (same grant ids, same time) and grants nothing more.
    expect((await liveops().claimReward(claim, alice.player.asPlayer)).claim).toEqual(first.claim);
    expect(await world.balance(alice)).toBe(goldBefore + 250n);
    expect((await progressOf(alice, instanceId, 4n)).claimedTiers).toEqual([1]);
    await eventually(async () => world.events("RewardClaimed").filter((e) => (e.message.claim as { characterId: string }).characterId === alice.character.characterId), (l) => l.length === 1);

    expect(await refusalOf(liveops().claimReward({ ...claim, tier: 2 }, alice.player.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TIER_NOT_REACHED",
      metadata: { progress: "4", threshold: "10" },
    });
    expect(await refusalOf(liveops().claimReward({ ...claim, tier: 3 }, alice.player.asPlayer))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_TIER_NOT_FOUND" });
    await eventually(async () => world.events("PlayerJoinedLiveEvent").filter((e) => e.subject === event!.eventId), (l) => l.length === 1);
  });

  it("counts only joined characters, and only what happened inside the occurrence after the join (the source event's time decides)", async () => {
    const admin = await world.admin();
    const now = Date.now();
    const { event } = await liveops().createLiveEvent(
      world.eventRequest({ schedule: { startTime: timestampFromDate(new Date(now - 3_600_000)), endTime: timestampFromDate(new Date(now + 3_600_000)) } }),
      admin,
    );
    const [joined, late] = await Promise.all([world.hero(), world.hero()]);
    const { instance } = await join(joined, event!.eventId);
    const instanceId = instance!.instanceId;
    const target = randomUUID();
    // A defeat from before the join (delivered now), and one by a character that has not joined: neither counts.
    await world.publishEvents([world.defeatEvent(joined, target, new Date(now - 60_000)), world.defeatEvent(late, target)]);
    // The next defeat of `joined` comes after the early one on its partition: once it counted, the early one was seen.
    await world.publishEvents([world.defeatEvent(joined, target)]);
    await progressOf(joined, instanceId, 1n);
    expect(await refusalOf(liveops().getParticipation({ instanceId, characterId: late.character.characterId }, late.player.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_NOT_JOINED",
    });
    // Joining later does not collect what happened before.
    await join(late, event!.eventId);
    await world.publishEvents([world.defeatEvent(late, target)]);
    await progressOf(late, instanceId, 1n);
    // A defeat at or after the window's end does not count, however early it arrives.
    const after = timestampDate(instance!.endTime!);
    await world.publishEvents([world.defeatEvent(late, target, after), world.defeatEvent(late, target)]);
    await progressOf(late, instanceId, 2n);
  });

  it("credits every joined member of the guild that captured a territory", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest({ goal: { kind: GoalKind.TERRITORY_CAPTURES } }), admin);
    const [leader, member, absent, outsider] = await Promise.all([world.hero(), world.hero(), world.hero(), world.hero()]);
    const guildId = await world.guild([leader!, member!, absent!]);
    let instanceId = "";
    for (const hero of [leader!, member!, outsider!]) instanceId = (await join(hero, event!.eventId)).instance!.instanceId;
    await world.publishEvents([world.captureEvent(guildId), world.captureEvent(guildId)]);
    await progressOf(leader!, instanceId, 2n);
    await progressOf(member!, instanceId, 2n);
    // The member who did not join gets nothing, nor does a joined character of another guild.
    expect((await progressOf(outsider!, instanceId, 0n)).progress).toBe(0n);
    expect((await liveops().listLeaderboard({ instanceId }, leader!.player.asPlayer)).entries.map((e) => e.progress)).toEqual([2n, 2n, 0n]);
  });

  it("a claim whose record was lost after inventory granted it (a crash in between) grants nothing twice", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest({ tiers: [{ threshold: 1n, gold: 75n, items: [{ definitionId: "potion_of_mana", quantity: 2n }] }] }), admin);
    const hero = await world.hero();
    const { instance } = await join(hero, event!.eventId);
    await world.publishEvents([world.defeatEvent(hero, randomUUID())]);
    await progressOf(hero, instance!.instanceId, 1n);
    const [gold, potions] = [await world.balance(hero), await world.holding(hero, "potion_of_mana")];
    const claim = { instanceId: instance!.instanceId, characterId: hero.character.characterId, tier: 1 };
    const first = (await liveops().claimReward(claim, hero.player.asPlayer)).claim!;
    expect(first.grantIds).toHaveLength(2);
    // What a crash between inventory's grants and liveops' commit leaves: granted, but no claim row.
    await world.ownDatabase("DELETE FROM reward_claims WHERE instance_id = $1 AND character_id = $2", [claim.instanceId, claim.characterId]);
    const again = (await liveops().claimReward(claim, hero.player.asPlayer)).claim!;
    expect(again.grantIds).toEqual(first.grantIds);
    expect(await world.balance(hero)).toBe(gold + 75n);
    expect(await world.holding(hero, "potion_of_mana")).toBe(potions + 2n);
  });

  it("counts a settled trade for both parties", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest({ goal: { kind: GoalKind.TRADES_SETTLED } }), admin);
    const [proposer, counterparty] = await Promise.all([world.hero(), world.hero()]);
    const instanceId = (await join(proposer!, event!.eventId)).instance!.instanceId;
    await join(counterparty!, event!.eventId);
    await world.publishEvents([world.tradeSettledEvent(proposer!, counterparty!)]);
    await progressOf(proposer!, instanceId, 1n);
    await progressOf(counterparty!, instanceId, 1n);
  });

  it("counts casts of the goal's school only", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest({ goal: { kind: GoalKind.SPELL_CASTS, school: School.ARCANE } }), admin);
    const mage = await world.hero();
    const { instance } = await join(mage, event!.eventId);
    const [, dummy] = await world.dummies(mage.player);
    const cast = (spellId: string) => world.cast(mage, spellId, dummy!);
    await cast("fireball");
    await cast("arcane_bolt");
    await cast("arcane_bolt");
    await progressOf(mage, instance!.instanceId, 2n);
  });

  it("ranks an occurrence's participants by progress, a page at a time", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest(), admin);
    const heroes = await Promise.all([world.hero(), world.hero(), world.hero()]);
    let instanceId = "";
    for (const hero of heroes) instanceId = (await join(hero, event!.eventId)).instance!.instanceId;
    const target = randomUUID();
    const [first, second, third] = heroes as [Hero, Hero, Hero];
    await world.publishEvents([world.defeatEvent(second, target), world.defeatEvent(second, target), world.defeatEvent(second, target), world.defeatEvent(third, target)]);
    await progressOf(second, instanceId, 3n);
    await progressOf(third, instanceId, 1n);
    const page1 = await liveops().listLeaderboard({ instanceId, pageSize: 2 }, first.player.asPlayer);
    expect(page1.entries.map((e) => [e.rank, e.characterId, e.characterName, e.progress])).toEqual([
      [1n, second.character.characterId, second.character.name, 3n],
      [2n, third.character.characterId, third.character.name, 1n],
    ]);
    const page2 = await liveops().listLeaderboard({ instanceId, pageSize: 2, pageToken: page1.nextPageToken }, first.player.asPlayer);
    expect(page2).toMatchObject({ entries: [{ rank: 3n, characterId: first.character.characterId, progress: 0n }], nextPageToken: "" });
  });

  it("refuses schedules, tiers and goals that cannot work, with INVALID_ARGUMENT and the reason", async () => {
    const admin = await world.admin();
    const now = Date.now();
    const at = (offsetMs: number) => timestampFromDate(new Date(now + offsetMs));
    const refused = (overrides: Parameters<typeof world.eventRequest>[0]) => refusalOf(liveops().createLiveEvent(world.eventRequest(overrides), admin));

    expect(await refused({ schedule: { startTime: at(3_600_000), endTime: at(60_000) } })).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_SCHEDULE",
      metadata: { field: "schedule.end_time" },
    });
    expect(await refused({ schedule: { startTime: at(0), endTime: at(3_600_000), recurrence: world.recurrence("0 25 * * *", 60_000) } })).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_SCHEDULE",
      metadata: { field: "schedule.recurrence.cron" },
    });
    expect(await refused({ schedule: { startTime: at(0), endTime: at(86_400_000), recurrence: world.recurrence("0 * * * *", 2 * 3_600_000) } })).toMatchObject({
      reason: "ERROR_REASON_INVALID_SCHEDULE",
      metadata: { field: "schedule.recurrence.duration" },
    });
    expect(await refused({ tiers: [] })).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_TIERS", metadata: { field: "tiers" } });
    expect(await refused({ tiers: [{ threshold: 5n, gold: 1n }, { threshold: 5n, gold: 2n }] })).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_TIERS",
      metadata: { field: "tiers[1].threshold" },
    });
    expect(await refused({ goal: { kind: GoalKind.DEFEATS, school: School.FIRE } })).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_GOAL" });
  });

  it("lets only admins schedule, change and cancel events", async () => {
    const admin = await world.admin();
    const player = await world.hero();
    expect(await refusalOf(liveops().createLiveEvent(world.eventRequest(), player.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_ONLY" });
    const { event } = await liveops().createLiveEvent(world.eventRequest(), admin);
    expect(await refusalOf(liveops().cancelLiveEvent({ eventId: event!.eventId }, player.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_ONLY" });
    // Someone else's character does not join.
    const other = await world.hero();
    expect(await refusalOf(liveops().joinLiveEvent({ eventId: event!.eventId, characterId: other.character.characterId }, player.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
  });

  it("changes a scheduled event until it starts; a cancelled one takes no joins", async () => {
    const admin = await world.admin();
    const hero = await world.hero();
    const now = Date.now();
    const later = { startTime: timestampFromDate(new Date(now + 3_600_000)), endTime: timestampFromDate(new Date(now + 7_200_000)) };
    const { event } = await liveops().createLiveEvent(world.eventRequest({ schedule: later }), admin);
    expect(event!.state).toBe(LiveEventState.SCHEDULED);
    expect(await refusalOf(join(hero, event!.eventId))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_EVENT_NOT_ACTIVE",
      metadata: { state: "LIVE_EVENT_STATE_SCHEDULED", next_start_time: timestampDate(later.startTime).toISOString() },
    });
    const { event: updated } = await liveops().updateLiveEvent(
      { eventId: event!.eventId, title: "Dummy hunt, now", description: "", tiers: [{ threshold: 2n, gold: 10n }], schedule: world.eventRequest().schedule },
      admin,
    );
    expect(updated).toMatchObject({ title: "Dummy hunt, now", state: LiveEventState.ACTIVE, tiers: [{ tier: 1, threshold: 2n, gold: 10n }] });
    expect(await refusalOf(liveops().updateLiveEvent({ eventId: event!.eventId, title: "Too late", tiers: [{ threshold: 1n, gold: 1n }], schedule: later }, admin))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_EVENT_ALREADY_STARTED",
    });
    const { instance } = await join(hero, event!.eventId);
    const { event: cancelled } = await liveops().cancelLiveEvent({ eventId: event!.eventId, reason: "balance issue" }, admin);
    expect(cancelled).toMatchObject({ state: LiveEventState.CANCELLED, cancelReason: "balance issue" });
    expect(await refusalOf(join(await world.hero(), event!.eventId))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_EVENT_CANCELLED" });
    // Listed among the cancelled ones, not the active ones, a page at a time.
    const listed = async (state: LiveEventState) => {
      const ids: string[] = [];
      let pageToken = "";
      do {
        const page = await liveops().listLiveEvents({ state, pageSize: 1, pageToken }, hero.player.asPlayer);
        ids.push(...page.events.map((e) => e.eventId));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return ids;
    };
    expect(await listed(LiveEventState.CANCELLED)).toContain(event!.eventId);
    expect(await listed(LiveEventState.ACTIVE)).not.toContain(event!.eventId);
    // The running occurrence ends with the cancellation, announced once.
    const ended = await eventually(async () => world.events("LiveEventEnded").filter((e) => (e.message.instance as { instanceId: string }).instanceId === instance!.instanceId), (l) => l.length === 1);
    expect(ended[0]!.message).toMatchObject({ cancelled: true, participantCount: 1n });
    expect(world.events("LiveEventStarted").filter((e) => (e.message.instance as { instanceId: string }).instanceId === instance!.instanceId)).toHaveLength(1);
  });

  it("serves players through the gateway (Connect over HTTP/1.1, as a browser calls it)", async () => {
    const admin = await world.admin();
    const { event } = await liveops().createLiveEvent(world.eventRequest(), admin);
    const hero = await world.hero();
    const edge = createClient(LiveopsService, createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" }));
    const bearer = { headers: { authorization: `Bearer ${hero.player.accessToken}` } };
    const active = await edge.listLiveEvents({ state: LiveEventState.ACTIVE, pageSize: 100 }, bearer);
    expect(active.events.map((e) => e.eventId)).toContain(event!.eventId);
    const { participation } = await edge.joinLiveEvent({ eventId: event!.eventId, characterId: hero.character.characterId }, bearer);
    expect((await edge.getParticipation({ instanceId: participation!.instanceId, characterId: hero.character.characterId }, bearer)).participation?.joinTime).toEqual(participation!.joinTime);
    expect(await refusalOf(edge.createLiveEvent(world.eventRequest(), bearer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_ONLY" });
  });

  it("runs a recurring event as occurrences of their own, each announced started and ended once by the schedule job of two replicas", async () => {
    // Both replicas run the job's timer; one round runs at a time and each announcement commits with its mark.
    const replica = await stack.startReplica("liveops");
    const admin = await world.admin();
    const now = Date.now();
    // Every 3 s for 2 s, ending where the last occurrence ends (a schedule's end would cut it short): two or three occurrences.
    const lastEnd = Math.ceil((now + 6_000) / 3_000) * 3_000 - 1_000;
    const { event } = await liveops().createLiveEvent(
      world.eventRequest({ schedule: { startTime: timestampFromDate(new Date(now)), endTime: timestampFromDate(new Date(lastEnd)), recurrence: world.recurrence("*/3 * * * * *", 2_000) } }),
      admin,
    );
    const eventId = event!.eventId;
    const hero = await world.hero();
    // Joining works while an occurrence runs, and is refused between them.
    const { instance } = await eventually(() => join(hero, eventId), () => true, 10_000);
    await eventually(async () => (await liveops().getLiveEvent({ eventId }, admin)).event!.state, (s) => s === LiveEventState.ENDED, 15_000);
    const announced = (type: string) => world.events(type).filter((e) => e.subject === eventId).map((e) => e.message.instance as { instanceId: string; startTime: unknown; endTime: unknown });
    const started = await eventually(async () => announced("LiveEventStarted"), (l) => l.length >= 2 && announced("LiveEventEnded").length === l.length, 10_000);
    const ended = announced("LiveEventEnded");
    expect(new Set(started.map((i) => i.instanceId)).size).toBe(started.length);
    expect(ended.map((i) => i.instanceId).sort()).toEqual(started.map((i) => i.instanceId).sort());
    for (const i of started) {
      expect(timestampDate(i.endTime as never).getTime() - timestampDate(i.startTime as never).getTime()).toBe(2_000);
    }
    expect(started.map((i) => i.instanceId)).toContain(instance!.instanceId);
    await replica.stop();
  });
});
