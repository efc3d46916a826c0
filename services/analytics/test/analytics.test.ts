import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { Bucket, RebuildState, type Rebuild } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { file_chaos_combat_v1_events } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { file_chaos_identity_v1_events } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { file_chaos_inventory_v1_events } from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { CharacterClass, CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { Code, refusal, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually, followTopic, type FollowedTopic, type TopicEvent } from "../../../scripts/test/topic-events.js";

// Rebuild steps of 3 events: a rebuild takes many job runs, so events arrive while it runs.
const stack = useStack(["identity", "player", "combat", "inventory", "analytics"], { env: { CHAOS_ANALYTICS_REBUILD_BATCH: "3", CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "600" } });
const analytics = () => stack.operator.client(AnalyticsService, "analytics");
const players = () => stack.operator.client(PlayerService, "player");
const combat = () => stack.operator.client(CombatService, "combat");
const inventory = () => stack.operator.client(InventoryInternalService, "inventory");

// The history as Kafka carries it, read by consumers of the test's own: the recount below never asks analytics.
const followed: FollowedTopic[] = [];
beforeAll(async () => {
  const brokers = inject("infra").kafka;
  followed.push(await followTopic(brokers, `${stack.world}.${topicName("identity", "accounts")}`, [file_chaos_identity_v1_events]));
  followed.push(await followTopic(brokers, `${stack.world}.${topicName("combat", "casts")}`, [file_chaos_combat_v1_events]));
  followed.push(await followTopic(brokers, `${stack.world}.${topicName("inventory", "assets")}`, [file_chaos_inventory_v1_events]));
}, 60_000);
afterAll(async () => {
  await Promise.all(followed.map((f) => f.stop()));
});
const events = (type: string): TopicEvent[] => followed.flatMap((f) => f.events).filter((e) => e.type === type);

/** Series of one metric as "group → bucket start (ISO) → value", buckets without events left out. */
type Table = Record<string, Record<string, number>>;

const hourOf = (time: Timestamp | undefined) => new Date(Math.floor(timestampDate(time!).getTime() / 3_600_000) * 3_600_000).toISOString();
const dayOf = (time: Timestamp | undefined) => `${timestampDate(time!).toISOString().slice(0, 10)}T00:00:00.000Z`;

function tally(table: Table, group: string, bucket: string, value: number): void {
  const row = (table[group] ??= {});
  row[bucket] = (row[bucket] ?? 0) + value;
}

/** The checked metrics recounted from the raw events, independently of the service's metric table. */
function recount(): Record<string, Table> {
  const registrations: Table = {};
  for (const e of events("chaos.identity.v1.AccountRegistered")) tally(registrations, "", hourOf(e.message.registerTime as Timestamp), 1);
  const casts: Table = {};
  const spellOfCast = new Map<string, string>();
  for (const e of events("chaos.combat.v1.SpellCast")) {
    tally(casts, e.message.spellId as string, hourOf(e.message.castTime as Timestamp), 1);
    spellOfCast.set(e.message.castId as string, e.message.spellId as string);
  }
  const defeats: Table = {};
  for (const e of events("chaos.combat.v1.CharacterDefeated")) tally(defeats, spellOfCast.get(e.message.castId as string) ?? "unknown", hourOf(e.message.defeatTime as Timestamp), 1);
  const minted: Table = {};
  for (const e of events("chaos.inventory.v1.GoldCredited")) {
    if ([LedgerEntryKind.GRANT, LedgerEntryKind.PURCHASE].includes(e.message.kind as LedgerEntryKind)) tally(minted, "", hourOf(e.message.creditTime as Timestamp), Number(e.message.amount));
  }
  const sunk: Table = {};
  for (const e of events("chaos.inventory.v1.GoldDebited")) {
    if ([LedgerEntryKind.SPEND, LedgerEntryKind.CLAWBACK].includes(e.message.kind as LedgerEntryKind)) tally(sunk, "", hourOf(e.message.debitTime as Timestamp), Number(e.message.amount));
  }
  const activeByDay = new Map<string, Set<string>>();
  const active = (day: string, account: string) => (activeByDay.get(day) ?? activeByDay.set(day, new Set()).get(day)!).add(account);
  for (const e of events("chaos.identity.v1.LoginSucceeded")) active(dayOf(e.message.loginTime as Timestamp), e.message.accountId as string);
  for (const e of events("chaos.identity.v1.SessionRefreshed")) active(dayOf(e.message.refreshTime as Timestamp), e.message.accountId as string);
  for (const e of events("chaos.combat.v1.SpellCast")) if (e.message.casterPlayerId !== "") active(dayOf(e.message.castTime as Timestamp), e.message.casterPlayerId as string);
  const activePlayers: Table = {};
  for (const [day, accounts] of activeByDay) tally(activePlayers, "", day, accounts.size);
  return {
    "identity.registrations": registrations,
    "combat.casts": casts,
    "combat.defeats": defeats,
    "inventory.gold_minted": minted,
    "inventory.gold_sunk": sunk,
    "players.active": activePlayers,
  };
}

/** How the checked metrics are queried: by hour (players.active by day), grouped where the recount groups. */
const checked: Record<string, { bucket: Bucket; groupBy: string }> = {
  "identity.registrations": { bucket: Bucket.HOUR, groupBy: "" },
  "combat.casts": { bucket: Bucket.HOUR, groupBy: "spell" },
  "combat.defeats": { bucket: Bucket.HOUR, groupBy: "spell" },
  "inventory.gold_minted": { bucket: Bucket.HOUR, groupBy: "" },
  "inventory.gold_sunk": { bucket: Bucket.HOUR, groupBy: "" },
  "players.active": { bucket: Bucket.DAY, groupBy: "" },
};

const startedAt = new Date();
/** The last day up to the next hour: every event of this file. */
const range = () => ({ startTime: timestampFromDate(new Date(startedAt.getTime() - 86_400_000)), endTime: timestampFromDate(new Date(Date.now() + 3_600_000)) });

/** What analytics answers for the checked metrics, every page of groups followed. */
async function aggregates(): Promise<Record<string, Table>> {
  const answer: Record<string, Table> = {};
  for (const [metric, { bucket, groupBy }] of Object.entries(checked)) {
    const table: Table = {};
    let pageToken = "";
    do {
      const page = await analytics().queryMetric({ metric, bucket, groupBy, ...range(), pageSize: 2, pageToken });
      for (const series of page.series) for (const point of series.points) if (point.value !== 0) tally(table, series.group, timestampDate(point.bucketStartTime!).toISOString(), point.value);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    answer[metric] = table;
  }
  return answer;
}

/** Waits until analytics has counted every event read so far, then holds it to the recount. */
async function expectAggregatesToMatchRecount(): Promise<void> {
  const matches = (found: Record<string, Table>) => isDeepStrictEqual(found, recount());
  const found = await eventually(aggregates, matches, 30_000);
  expect(found).toEqual(recount());
}

let counter = 0;
async function newMage(player: TestPlayer): Promise<Character> {
  const { character } = await players().createCharacter({ name: `A${randomUUID().replaceAll("-", "").slice(0, 10)}${++counter}`, characterClass: CharacterClass.MAGE }, player.asPlayer);
  return character!;
}

/** Casts fireballs and arcane bolts at a training target from fresh mages until it is defeated: casts of two spells and one defeat. */
async function defeatTarget(player: TestPlayer, target: Character): Promise<string[]> {
  const castIds: string[] = [];
  for (let mages = 0; mages < 4; mages++) {
    const mage = await newMage(player);
    let mana = 120;
    for (const spellId of ["fireball", "arcane_bolt", "arcane_bolt", "arcane_bolt"]) {
      if (mana < 30) break;
      const result = await combat().castSpell({ casterCharacterId: mage.characterId, spellId, targetId: target.characterId, idempotencyKey: randomUUID() }, player.asPlayer);
      castIds.push(result.castId);
      mana = result.casterMana;
      if (result.targetDefeated) return castIds;
    }
  }
  throw new Error("the target stood four mages' mana");
}

/** Gold granted to a fresh character (once inventory knows it) and partly spent. */
async function mintAndSpend(player: TestPlayer, grant: bigint, spend: bigint): Promise<void> {
  const mage = await newMage(player);
  await eventually(
    () => inventory().grantGold({ characterId: mage.characterId, amount: grant, idempotencyKey: randomUUID(), reason: "analytics test" }),
    () => true,
  );
  await inventory().spendGold({ characterId: mage.characterId, amount: spend, idempotencyKey: randomUUID(), reason: "analytics test" });
}

async function rebuildToEnd(): Promise<{ started: Rebuild; seen: Rebuild[] }> {
  const { rebuild: started } = await analytics().startRebuild({});
  const seen: Rebuild[] = [];
  const done = await eventually(
    async () => {
      const { rebuild } = await analytics().getRebuild({ rebuildId: started!.rebuildId });
      seen.push(rebuild!);
      return rebuild!;
    },
    (r) => r.state !== RebuildState.RUNNING,
    60_000,
  );
  expect(done.state).toBe(RebuildState.SUCCEEDED);
  return { started: started!, seen };
}

describe("analytics (real processes: identity, player, combat, inventory, analytics)", () => {
  let dummies: Character[];
  let alice: TestPlayer;
  beforeAll(async () => {
    alice = await signUp(stack);
    const { characters } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, alice.asPlayer);
    dummies = characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET);
  });

  it("counts registrations, casts and defeats by spell, gold minted and sunk, and daily active players as a recount of the events on Kafka does, before and after a rebuild", async () => {
    const bob = await signUp(stack);
    await defeatTarget(alice, dummies[0]!);
    await mintAndSpend(bob, 500n, 120n);
    await mintAndSpend(alice, 70n, 70n);
    await eventually(async () => events("chaos.inventory.v1.GoldDebited").length, (n) => n >= 2);
    await expectAggregatesToMatchRecount();
    const before = recount();
    expect(Object.values(before["combat.casts"]!.fireball!).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(Object.values(before["combat.defeats"]!).length).toBe(1);
    // 570 granted here, besides what inventory grants each new character.
    expect(Object.values(before["inventory.gold_minted"]![""]!).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(570);
    expect(Object.values(before["inventory.gold_sunk"]![""]!).reduce((a, b) => a + b, 0)).toBe(190);

    // Events keep coming while the rebuild replays the history: they must be in its aggregates too.
    const registeredBefore = events("chaos.identity.v1.AccountRegistered").length;
    const debitedBefore = events("chaos.inventory.v1.GoldDebited").length;
    const during = Promise.all([signUp(stack), defeatTarget(bob, dummies[1]!), mintAndSpend(bob, 33n, 3n)]);
    const { started, seen } = await rebuildToEnd();
    const [, castsDuring] = await during;
    // What happened during the rebuild is on Kafka before the counts are compared: the relays may lag behind
    // the calls under load, and an event that arrives after the comparison shows up in the second rebuild.
    const castEventsDuring = () => [...events("chaos.combat.v1.SpellCast"), ...events("chaos.combat.v1.CharacterDefeated")].filter((e) => castsDuring.includes(String(e.message.castId))).length;
    await eventually(async () => castEventsDuring(), (n) => n >= castsDuring.length + 1);
    await eventually(async () => events("chaos.identity.v1.AccountRegistered").length, (n) => n > registeredBefore);
    await eventually(async () => events("chaos.inventory.v1.GoldDebited").length, (n) => n > debitedBefore);
    expect(started).toMatchObject({ state: RebuildState.RUNNING, eventsReplayed: 0n });
    expect(started.eventsTotal).toBeGreaterThan(10n);
    const last = seen.at(-1)!;
    expect(last.eventsReplayed).toBe(last.eventsTotal);
    expect(last.eventsTotal).toBeGreaterThanOrEqual(started.eventsTotal);
    expect(last.finishTime).toBeDefined();
    // Progress only moves forward.
    const progress = seen.map((r) => r.eventsReplayed);
    expect([...progress].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(progress);

    await expectAggregatesToMatchRecount();
    expect(Object.keys(recount()["combat.defeats"]!).length).toBeGreaterThanOrEqual(1);
    // A second rebuild from the same history changes nothing.
    const settled = await aggregates();
    await rebuildToEnd();
    expect(await aggregates()).toEqual(settled);
  }, 120_000);

  it("answers hour and day buckets over the whole range, empty buckets as zero, and a total per group", async () => {
    await defeatTarget(alice, dummies[2]!);
    await eventually(async () => events("chaos.combat.v1.CharacterDefeated").length, (n) => n >= 3);
    // Every event counted: the answers below are of one state.
    await expectAggregatesToMatchRecount();
    const now = new Date();
    const start = new Date(now.getTime() - 5 * 3_600_000);
    const answer = await analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.HOUR, groupBy: "spell", startTime: timestampFromDate(start), endTime: timestampFromDate(now) });
    expect(answer.series.map((s) => s.group)).toEqual(["arcane_bolt", "fireball"]);
    for (const series of answer.series) {
      expect(series.points).toHaveLength(6);
      expect(series.total).toBe(series.points.reduce((sum, p) => sum + p.value, 0));
      expect(series.points.slice(0, 4).every((p) => p.value === 0 || timestampDate(p.bucketStartTime!) >= startedAt)).toBe(true);
    }
    expect(timestampDate(answer.startTime!).getUTCMinutes()).toBe(0);
    const byDay = await analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.DAY, startTime: timestampFromDate(start), endTime: timestampFromDate(now) });
    expect(byDay.series).toHaveLength(1);
    expect(byDay.series[0]!.total).toBe(answer.series[0]!.total + answer.series[1]!.total);
    const fireballsOnly = await analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.DAY, filters: { spell: "fireball" }, startTime: timestampFromDate(start), endTime: timestampFromDate(now) });
    expect(fireballsOnly.series[0]!.total).toBe(answer.series.find((s) => s.group === "fireball")!.total);
  });

  it("pages series by group, and refuses a page token of another query", async () => {
    const first = await eventually(() => analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.DAY, groupBy: "spell", ...range(), pageSize: 1 }), (a) => a.nextPageToken !== "");
    expect(first.series.map((s) => s.group)).toEqual(["arcane_bolt"]);
    const second = await analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.DAY, groupBy: "spell", ...range(), pageSize: 1, pageToken: first.nextPageToken });
    expect(second.series.map((s) => s.group)).toEqual(["fireball"]);
    expect(second.nextPageToken).toBe("");
    expect(await refusalOf(analytics().queryMetric({ metric: "combat.casts", bucket: Bucket.DAY, groupBy: "school", ...range(), pageToken: first.nextPageToken }))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_INVALID_PAGE_TOKEN",
    });
  });

  it("refuses bad queries with a reason: unknown metric or dimension, a reversed or too wide range, no bucket", async () => {
    const now = Date.now();
    const query = { metric: "combat.casts", bucket: Bucket.HOUR, startTime: timestampFromDate(new Date(now - 3_600_000)), endTime: timestampFromDate(new Date(now)) };
    expect(await refusalOf(analytics().queryMetric({ ...query, metric: "combat.spells" }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_UNKNOWN_METRIC", metadata: { metric: "combat.spells" } });
    expect(await refusalOf(analytics().queryMetric({ ...query, groupBy: "zone" }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_UNKNOWN_DIMENSION", metadata: { dimension: "zone", dimensions: "spell,school" } });
    expect(await refusalOf(analytics().queryMetric({ ...query, filters: { queue: "duel" } }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_UNKNOWN_DIMENSION" });
    expect(await refusalOf(analytics().queryMetric({ ...query, startTime: query.endTime, endTime: query.startTime }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_TIME_RANGE" });
    const tooWide = { ...query, startTime: timestampFromDate(new Date(now - 32 * 86_400_000)) };
    expect(await refusalOf(analytics().queryMetric(tooWide))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_TIME_RANGE_TOO_WIDE", metadata: { max_buckets: "744" } });
    // The same range is fine by day.
    expect((await analytics().queryMetric({ ...tooWide, bucket: Bucket.DAY })).series.length).toBeGreaterThanOrEqual(0);
    const noBucket = await refusal(analytics().queryMetric({ ...query, bucket: Bucket.UNSPECIFIED }));
    expect(noBucket.code).toBe(Code.InvalidArgument);
    expect(noBucket.rawMessage).toContain("bucket");
  });

  it("lists the catalog, is for admins only, and refuses a second rebuild while one runs", async () => {
    const { metrics } = await analytics().listMetrics({});
    expect(metrics.find((m) => m.name === "combat.casts")).toMatchObject({ unit: "casts", dimensions: ["spell", "school"], eventTypes: ["chaos.combat.v1.SpellCast"] });
    expect(metrics.map((m) => m.name)).toContain("matchmaking.wait");
    expect(await refusalOf(analytics().listMetrics({}, alice.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
    expect(await refusalOf(analytics().startRebuild({}, alice.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
    expect(await refusalOf(analytics().getRebuild({ rebuildId: randomUUID() }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_REBUILD_NOT_FOUND" });

    // Steps of 3 events over a history of dozens: the first rebuild is still running when the second call comes.
    const { rebuild } = await analytics().startRebuild({});
    expect(await refusalOf(analytics().startRebuild({}))).toMatchObject({ code: Code.Aborted, reason: "ERROR_REASON_REBUILD_IN_PROGRESS", metadata: { rebuild_id: rebuild!.rebuildId } });
    await eventually(async () => (await analytics().getRebuild({ rebuildId: rebuild!.rebuildId })).rebuild!.state, (s) => s !== RebuildState.RUNNING, 60_000);
  });
});
