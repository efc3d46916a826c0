import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { StreamItemKind, TerritoryChange } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { TerritoryState } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import { Code, refusal, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { readTerritories, territoryWorld, type Hero, type Spot } from "./territory-world.js";

// Player and guild are not in the stack: the test announces characters and guilds with their events.
// A fast clock with the default rules: three members present take a neutral territory in four ticks.
const stack = useStack(["identity", "world"], { env: { CHAOS_WORLD_TICK_MS: "300", CHAOS_WORLD_STREAM_SWEEP_MS: "500" } });
const w = territoryWorld(stack);

// Territories of the shipped catalogue (catalogue.json), one per test so the tests do not meet.
const oldMill: Spot = { zoneId: "ember_plains", x: 30, y: 30 };
const watchtower: Spot = { zoneId: "ember_plains", x: 110, y: 30 };
const crossroads: Spot = { zoneId: "ember_plains", x: 70, y: 110 };
const ruins: Spot = { zoneId: "ember_plains", x: 150, y: 150 };
const iceCaves: Spot = { zoneId: "frost_hollow", x: 30, y: 30 };
const nowhere: Spot = { zoneId: "ember_plains", x: 5, y: 5 };

const heroes = (n: number, at: Spot) => Promise.all(Array.from({ length: n }, () => w.hero(at)));
const start = (hero: Hero, territoryId: string, captureId: string = randomUUID()) =>
  w.world().startTerritoryCapture({ captureId, characterId: hero.characterId, territoryId }, hero.player.asPlayer);

describe("zones and territories", () => {
  it("are the catalogue's, every territory neutral at first", async () => {
    const { zones } = await w.world().listZones({});
    expect(zones.map((z) => [z.zoneId, z.open, z.territoryCount])).toEqual([
      ["ember_plains", true, 4],
      ["frost_hollow", true, 3],
    ]);
    const { territories } = await w.world().listTerritories({ zoneId: "frost_hollow" });
    expect(territories.map((t) => [t.territoryId, t.state])).toEqual([
      ["frost_ice_caves", TerritoryState.NEUTRAL],
      ["frost_sentinel_peak", TerritoryState.NEUTRAL],
      ["frost_frozen_lake", TerritoryState.NEUTRAL],
    ]);
    expect((await w.world().getZone({ zoneId: "ember_plains" })).zone?.bounds).toMatchObject({ minX: 0, maxX: 200 });
    expect(await refusalOf(w.world().getZone({ zoneId: "atlantis" }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_ZONE_NOT_FOUND" });
  });
});

describe("a territory contest", () => {
  it("goes to the guild with more members present; its events are published once, and a tick run again changes nothing", async () => {
    const [a1, a2, a3] = await heroes(3, oldMill);
    const [b1] = await heroes(1, { ...oldMill, x: 59.5 });
    const a = await w.guild(a1!, [a2!, a3!]);
    const b = await w.guild(b1!);
    await w.presence("ember_old_mill", { [a.guildId]: 3, [b.guildId]: 1 });

    // The smaller guild starts it; everyone present contends.
    const captureId = randomUUID();
    const { territory } = await start(b1!, "ember_old_mill", captureId);
    expect(territory).toMatchObject({ state: TerritoryState.CONTESTED, contest: { captureId, startedByGuildId: b.guildId } });
    // A retry (the same capture id) answers the same contest and starts nothing.
    expect((await start(b1!, "ember_old_mill", captureId)).territory?.contest?.captureId).toBe(captureId);

    const captured = await eventually(
      () => w.world().getTerritory({ territoryId: "ember_old_mill" }),
      (r) => r.territory!.state === TerritoryState.CONTROLLED,
    );
    expect(captured.territory).toMatchObject({ guildId: a.guildId, state: TerritoryState.CONTROLLED });
    const [event] = await eventually(async () => w.eventsOf("TerritoryCaptured", "ember_old_mill"), (e) => e.length > 0);
    expect(event!.message).toMatchObject({ captureId, guildId: a.guildId, previousGuildId: "" });

    expect(await refusalOf(start(a1!, "ember_old_mill"))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_ALREADY_CONTROLLED" });

    // Running the deciding tick again (as an operator might after an incident) finds nothing to do.
    const replay = await w.internal().runCaptureTick({ tick: event!.message.tick as bigint });
    expect(replay).toMatchObject({ capturesAdvanced: 0, capturesDecided: 0 });
    expect((await w.world().getTerritory({ territoryId: "ember_old_mill" })).territory?.revision).toBe(captured.territory!.revision);

    // Now the other guild comes back stronger while the holders leave: the territory changes hands.
    const reinforcements = await heroes(3, oldMill);
    await b.join(reinforcements);
    await w.move([a1!, a2!, a3!], nowhere);
    await w.presence("ember_old_mill", { [b.guildId]: 4 });
    const second = randomUUID();
    await start(reinforcements[0]!, "ember_old_mill", second);
    const [lost] = await eventually(async () => w.eventsOf("TerritoryLost", "ember_old_mill"), (e) => e.length > 0);
    expect(lost!.message).toMatchObject({ captureId: second, guildId: a.guildId, capturedByGuildId: b.guildId });

    // Events of one territory are in order on one partition: once the second capture's are in, so is everything before.
    expect(w.eventsOf("TerritoryContested", "ember_old_mill").map((e) => [e.message.captureId, e.message.contestingGuildId, e.message.defendingGuildId])).toEqual([
      [captureId, b.guildId, ""],
      [second, b.guildId, a.guildId],
    ]);
    const captures = await eventually(async () => w.eventsOf("TerritoryCaptured", "ember_old_mill"), (e) => e.length >= 2);
    expect(captures.map((e) => [e.message.captureId, e.message.guildId, e.message.previousGuildId])).toEqual([
      [captureId, a.guildId, ""],
      [second, b.guildId, a.guildId],
    ]);
  });

  it("applies each tick once, and refuses to run a tick that has not come", async () => {
    const [lone] = await heroes(1, watchtower);
    const g = await w.guild(lone!);
    await w.presence("ember_watchtower", { [g.guildId]: 1 });
    await start(lone!, "ember_watchtower");
    // One member alone gains 10 a tick: a contest of ten ticks. Wait for its first.
    const { territory } = await eventually(
      () => w.world().getTerritory({ territoryId: "ember_watchtower" }),
      (r) => (r.territory!.contest?.contenders[0]?.progress ?? 0) > 0,
    );
    const had = territory!.contest!.lastTick;
    expect(await w.internal().runCaptureTick({ tick: had })).toMatchObject({ capturesAdvanced: 0 });
    expect(await refusalOf(w.internal().runCaptureTick({ tick: had + 1_000_000n }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_TICK_IN_FUTURE" });
    const done = await eventually(() => w.world().getTerritory({ territoryId: "ember_watchtower" }), (r) => r.territory!.state === TerritoryState.CONTROLLED);
    expect(done.territory?.guildId).toBe(g.guildId);
    expect(w.eventsOf("TerritoryContested", "ember_watchtower")).toHaveLength(1);
  });

  it("leaves a disbanded guild's territories neutral", async () => {
    const [lone] = await heroes(1, { zoneId: "frost_hollow", x: 150, y: 20 });
    const g = await w.guild(lone!);
    await w.presence("frost_frozen_lake", { [g.guildId]: 1 });
    await start(lone!, "frost_frozen_lake");
    await eventually(() => w.world().getTerritory({ territoryId: "frost_frozen_lake" }), (r) => r.territory!.guildId === g.guildId);
    await g.disband();
    const after = await eventually(() => w.world().getTerritory({ territoryId: "frost_frozen_lake" }), (r) => r.territory!.state === TerritoryState.NEUTRAL);
    expect(after.territory).toMatchObject({ guildId: "", presence: [] });
    const [lost] = await eventually(async () => w.eventsOf("TerritoryLost", "frost_frozen_lake"), (e) => e.length > 0);
    expect(lost!.message).toMatchObject({ guildId: g.guildId, capturedByGuildId: "" });
  });
});

describe("starting a capture", () => {
  it("is refused to a character in no guild, to someone else's character, away from the territory, and while another runs", async () => {
    const [loner] = await heroes(1, crossroads);
    // World hears of the character shortly; until then it is not known to be the caller's.
    const notMember = await eventually(() => refusalOf(start(loner!, "ember_crossroads")), (r) => r.reason !== "ERROR_REASON_NOT_CHARACTER_OWNER");
    expect(notMember).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_A_GUILD_MEMBER" });

    const [member, away, rival] = await heroes(3, crossroads);
    const g = await w.guild(member!, [away!]);
    const r = await w.guild(rival!);
    await w.move([away!], nowhere);
    await w.presence("ember_crossroads", { [g.guildId]: 1, [r.guildId]: 1 });
    expect(await refusalOf(w.world().startTerritoryCapture({ captureId: randomUUID(), characterId: member!.characterId, territoryId: "ember_crossroads" }, loner!.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
    expect(await refusalOf(start(away!, "ember_crossroads"))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_NOT_AT_TERRITORY" });

    const captureId = randomUUID();
    await start(member!, "ember_crossroads", captureId);
    expect(await refusalOf(start(rival!, "ember_crossroads"))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_CAPTURE_IN_PROGRESS",
      metadata: { capture_id: captureId },
    });
    expect(await refusalOf(start(member!, "ember_ruins", captureId))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_CAPTURE_ID_REUSED" });
  });

  it("of an unknown territory is NOT_FOUND, a malformed one INVALID_ARGUMENT", async () => {
    const [hero] = await heroes(1, crossroads);
    await w.guild(hero!);
    const unknown = await eventually(() => refusalOf(start(hero!, "atlantis_gate")), (r) => r.reason !== "ERROR_REASON_NOT_CHARACTER_OWNER");
    expect(unknown).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_TERRITORY_NOT_FOUND", metadata: { territory_id: "atlantis_gate" } });
    const malformed = await refusal(w.world().startTerritoryCapture({ captureId: "x", characterId: hero!.characterId, territoryId: "Not An Id" }, hero!.player.asPlayer));
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.rawMessage).toMatch(/capture_id: /);
    expect(malformed.rawMessage).toMatch(/territory_id: /);
  });

  it("in a closed zone is FAILED_PRECONDITION until an admin opens it again; players may not close zones", async () => {
    const [hero] = await heroes(1, iceCaves);
    const g = await w.guild(hero!);
    await w.presence("frost_ice_caves", { [g.guildId]: 1 });
    expect(await refusalOf(w.world().closeZone({ zoneId: "frost_hollow", reason: "maintenance" }, hero!.player.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_AN_ADMIN",
    });
    // The operator with no end user acts as an admin.
    const { zone } = await w.world().closeZone({ zoneId: "frost_hollow", reason: "maintenance" });
    expect(zone).toMatchObject({ open: false, closeReason: "maintenance" });
    expect(await refusalOf(start(hero!, "frost_ice_caves"))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_ZONE_CLOSED",
      metadata: { zone_id: "frost_hollow", reason: "maintenance" },
    });
    expect((await w.world().openZone({ zoneId: "frost_hollow" })).zone?.open).toBe(true);
    expect((await start(hero!, "frost_ice_caves")).territory?.state).toBe(TerritoryState.CONTESTED);
    const closed = await eventually(async () => w.eventsOf("ZoneClosed", "frost_hollow"), (e) => e.length > 0);
    expect(closed[0]!.message).toMatchObject({ reason: "maintenance" });
    await eventually(async () => w.eventsOf("ZoneOpened", "frost_hollow"), (e) => e.length > 0);
  });
});

describe("the territory stream", () => {
  it("sends the zone's territories, then each tick's progress, then the capture", async () => {
    const [one, two] = await heroes(2, ruins);
    const g = await w.guild(one!, [two!]);
    await w.presence("ember_ruins", { [g.guildId]: 2 });
    const controller = new AbortController();
    const stream = readTerritories(w.world().streamTerritories({ zoneId: "ember_plains" }, { ...one!.player.asPlayer, signal: controller.signal }), controller);
    await stream.live;
    expect(stream.items.filter((i) => i.kind === StreamItemKind.SNAPSHOT).map((i) => i.territory!.territoryId)).toEqual([
      "ember_old_mill",
      "ember_watchtower",
      "ember_crossroads",
      "ember_ruins",
    ]);
    await start(one!, "ember_ruins");
    const items = await stream.until((i) => i.territory?.territoryId === "ember_ruins" && i.change === TerritoryChange.CAPTURED);
    await stream.close();
    const ruinsChanges = items.filter((i) => i.kind === StreamItemKind.CHANGED && i.territory!.territoryId === "ember_ruins");
    // Two members gain 20 a tick: contested, 20, 40, 60, 80, then captured at 100.
    expect(ruinsChanges.map((i) => [i.change, i.territory!.contest?.contenders[0]?.progress ?? null])).toEqual([
      [TerritoryChange.CONTESTED, null],
      [TerritoryChange.PROGRESS, 20],
      [TerritoryChange.PROGRESS, 40],
      [TerritoryChange.PROGRESS, 60],
      [TerritoryChange.PROGRESS, 80],
      [TerritoryChange.CAPTURED, null],
    ]);
    expect(ruinsChanges.at(-1)!.territory).toMatchObject({ state: TerritoryState.CONTROLLED, guildId: g.guildId });
    const revisions = ruinsChanges.map((i) => i.territory!.revision);
    expect(revisions).toEqual([...revisions].sort((x, y) => (x < y ? -1 : 1)));
  });

  it("is refused for an unknown zone, and beyond a player's limit of open streams", async () => {
    const [hero] = await heroes(1, nowhere);
    const open = (zoneId: string) => {
      const controller = new AbortController();
      return readTerritories(w.world().streamTerritories({ zoneId }, { ...hero!.player.asPlayer, signal: controller.signal }), controller);
    };
    const failure = (reader: ReturnType<typeof open>) =>
      refusalOf(
        reader.ended.then((error) => {
          throw error;
        }),
      );
    expect(await failure(open("atlantis"))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_ZONE_NOT_FOUND" });
    // CHAOS_WORLD_MAX_STREAMS_PER_PLAYER defaults to 3.
    const three = [open("ember_plains"), open("frost_hollow"), open("")];
    await Promise.all(three.map((s) => s.live));
    expect(await failure(open("ember_plains"))).toMatchObject({ code: Code.ResourceExhausted, reason: "ERROR_REASON_TOO_MANY_STREAMS", metadata: { max_streams: "3" } });
    await Promise.all(three.map((s) => s.close()));
  });
});
