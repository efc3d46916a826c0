import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { StreamItemKind, TerritoryChange, WorldService } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { TerritoryState } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack, type StackReplica } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { readTerritories, territoryWorld, type Hero } from "./territory-world.js";

const stack = useStack(["identity", "world", "gateway"], { env: { CHAOS_WORLD_TICK_MS: "300", CHAOS_WORLD_STREAM_SWEEP_MS: "500" } });
const w = territoryWorld(stack);

describe("two world replicas", () => {
  let second: StackReplica | undefined;
  const replica = async () => (second ??= await stack.startReplica("world"));

  it("run each tick once between them, and a stream on one shows a capture started on the other", async () => {
    const peak = { zoneId: "frost_hollow", x: 120, y: 120 };
    const members = await Promise.all([w.hero(peak), w.hero(peak), w.hero(peak)]);
    const g = await w.guild(members[0]!, members.slice(1));
    await w.presence("frost_sentinel_peak", { [g.guildId]: 3 });
    const other = (await replica()).operator.client(WorldService, "world");
    const controller = new AbortController();
    const stream = readTerritories(other.streamTerritories({ zoneId: "frost_hollow" }, { ...members[0]!.player.asPlayer, signal: controller.signal }), controller);
    await stream.live;

    const captureId = randomUUID();
    await w.world().startTerritoryCapture({ captureId, characterId: members[0]!.characterId, territoryId: "frost_sentinel_peak" }, members[0]!.player.asPlayer);
    const items = await stream.until((i) => i.territory?.territoryId === "frost_sentinel_peak" && i.change === TerritoryChange.CAPTURED);
    await stream.close();
    // Both replicas' timers fire every tick; each tick moved the contest once: 30, 60, 90, then 100.
    const progress = items.filter((i) => i.kind === StreamItemKind.CHANGED && i.change === TerritoryChange.PROGRESS && i.territory!.territoryId === "frost_sentinel_peak");
    expect(progress.map((i) => i.territory!.contest!.contenders[0]!.progress)).toEqual([30, 60, 90]);
    expect(items.at(-1)!.territory).toMatchObject({ state: TerritoryState.CONTROLLED, guildId: g.guildId });

    // A later event of the territory (a second contest) is behind every earlier one on its partition.
    const rival = await w.hero(peak);
    const r = await w.guild(rival);
    await w.presence("frost_sentinel_peak", { [g.guildId]: 3, [r.guildId]: 1 });
    await other.startTerritoryCapture({ captureId: randomUUID(), characterId: rival.characterId, territoryId: "frost_sentinel_peak" }, rival.player.asPlayer);
    await eventually(async () => w.eventsOf("TerritoryContested", "frost_sentinel_peak"), (e) => e.length === 2);
    expect(w.eventsOf("TerritoryCaptured", "frost_sentinel_peak").map((e) => e.message.captureId)).toEqual([captureId]);
  });
});

describe("the world API through the gateway", () => {
  const edge = () => createClient(WorldService, createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" }));
  const bearer = (hero: Hero) => ({ headers: { authorization: `Bearer ${hero.player.accessToken}` } });

  it("serves a player's reads, refusals and territory stream", async () => {
    const hero = await w.hero({ zoneId: "ember_plains", x: 1, y: 1 });
    const { zones } = await edge().listZones({}, bearer(hero));
    expect(zones.map((z) => z.zoneId)).toEqual(["ember_plains", "frost_hollow"]);
    expect(await refusalOf(edge().getTerritory({ territoryId: "nowhere_at_all" }, bearer(hero)))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_TERRITORY_NOT_FOUND" });
    expect(await refusalOf(edge().closeZone({ zoneId: "ember_plains", reason: "mine now" }, bearer(hero)))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_AN_ADMIN" });
    const controller = new AbortController();
    const stream = readTerritories(edge().streamTerritories({ zoneId: "ember_plains" }, { ...bearer(hero), signal: controller.signal }), controller);
    await stream.live;
    expect(stream.items.filter((i) => i.kind === StreamItemKind.SNAPSHOT)).toHaveLength(4);
    await stream.close();
  });
});
