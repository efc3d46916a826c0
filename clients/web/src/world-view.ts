import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { StreamItemKind } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { TerritoryState, type Bounds, type Territory, type Zone } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import type { Api } from "./api.js";
import { h, svg, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { reopenDelay } from "./stream-backoff.js";
import { zoneOf } from "./zone.js";

/** Map units per zone unit are whatever fits: the map scales its zone's bounds to this width. */
const mapWidth = 400;
/** Guild colours, picked by a hash of the guild id so a guild keeps its colour across zones and reloads. */
const palette = ["#d7ad5b", "#6cc48a", "#7fb3ff", "#e37bd0", "#ff9f5a", "#9be0e6", "#c4a5ff", "#ff7b7b"];

const colourOf = (guildId: string) => {
  let hash = 0;
  for (const c of guildId) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return palette[Math.abs(hash) % palette.length]!;
};
const stateLabels: Readonly<Partial<Record<TerritoryState, string>>> = {
  [TerritoryState.NEUTRAL]: "Neutral",
  [TerritoryState.CONTROLLED]: "Held",
  [TerritoryState.CONTESTED]: "Contested",
};
const inside = (b: Bounds | undefined, x: number, y: number) => b !== undefined && x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY;

/**
 * The world map: the zones, the picked character's zone drawn with its
 * territories coloured by the guild that holds them, and every contest's
 * progress live from StreamTerritories (snapshot, then changes). A capture is
 * started from the territory the character stands in; the server decides
 * whether it may (standing there, in a guild, the zone open).
 */
export function createWorldView(api: Api, character: Character): View {
  const controller = new AbortController();
  const zoneTabs = h("div", { class: "world-zones", role: "group", "aria-label": "Zones" });
  const map = svg("svg", { class: "world-map", role: "img", "aria-label": "Map of the zone", "data-testid": "world-map" });
  const list = h("ul", { class: "world-territories", "data-testid": "world-territories" });
  const status = h("span", { class: "feed-status", role: "status", "data-testid": "world-status", "data-state": "connecting" }, "connecting…");
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "panel world", "aria-labelledby": "world-title", "data-testid": "world" },
    h("h2", { id: "world-title" }, "World ", status),
    zoneTabs,
    notice,
    h("div", { class: "world-body" }, map, list),
  );

  const territories = new Map<string, Territory>();
  const guildNames = new Map<string, string>();
  let zones: Zone[] = [];
  let shown = zoneOf(character);
  // Where the character stands: from the pick, then from its own moves here.
  let position = character.position;
  let stream = new AbortController();

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };

  async function nameGuilds(ids: readonly string[]) {
    const unknown = [...new Set(ids)].filter((id) => id !== "" && !guildNames.has(id));
    await Promise.all(
      unknown.map(async (guildId) => {
        const { guild } = await api.guild.getGuild({ guildId }).catch(() => ({ guild: undefined }));
        guildNames.set(guildId, guild === undefined ? `guild ${guildId.slice(0, 6)}` : `${guild.name} [${guild.tag}]`);
      }),
    );
  }
  const guildName = (id: string) => guildNames.get(id) ?? `guild ${id.slice(0, 6)}`;

  function paintZones() {
    zoneTabs.replaceChildren(
      ...zones.map((zone) => {
        const tab = h("button", { type: "button", class: "chip", "aria-pressed": zone.zoneId === shown ? "true" : "false" }, zone.name, zone.open ? "" : " (closed)");
        tab.addEventListener("click", () => {
          if (zone.zoneId === shown) return;
          shown = zone.zoneId;
          restart();
        });
        return tab;
      }),
    );
  }

  function paint() {
    const zone = zones.find((z) => z.zoneId === shown);
    const bounds = zone?.bounds ?? { minX: 0, minY: 0, maxX: 200, maxY: 200 };
    const scale = mapWidth / Math.max(1, bounds.maxX - bounds.minX);
    const height = (bounds.maxY - bounds.minY) * scale;
    const px = (x: number) => (x - bounds.minX) * scale;
    const py = (y: number) => (y - bounds.minY) * scale;
    map.setAttribute("viewBox", `0 0 ${mapWidth} ${height}`);
    const shapes = [...territories.values()].map((t) => {
      const b = t.bounds!;
      const holder = t.guildId === "" ? undefined : colourOf(t.guildId);
      const leader = [...(t.contest?.contenders ?? [])].sort((a, b2) => b2.progress - a.progress)[0];
      return svg(
        "g",
        { class: `territory state-${TerritoryState[t.state].toLowerCase()}`, "data-territory-id": t.territoryId },
        svg("rect", { x: px(b.minX), y: py(b.minY), width: (b.maxX - b.minX) * scale, height: (b.maxY - b.minY) * scale, rx: 4, fill: holder ?? "rgba(255,255,255,0.06)", "fill-opacity": holder === undefined ? 1 : 0.35, stroke: leader === undefined ? holder ?? "#6b5a45" : colourOf(leader.guildId) }),
        svg("text", { x: px(b.minX) + 4, y: py(b.minY) + 18, class: "territory-name" }, t.name),
        leader === undefined
          ? svg("g", {})
          : svg("rect", { x: px(b.minX), y: py(b.maxY) - 5, width: ((b.maxX - b.minX) * scale * leader.progress) / 100, height: 5, fill: colourOf(leader.guildId) }),
      );
    });
    const here = position !== undefined && (position.zoneId || zoneOf(character)) === shown ? [svg("circle", { cx: px(position.x), cy: py(position.y), r: 4, class: "world-you" }, svg("title", {}, character.name))] : [];
    map.replaceChildren(svg("rect", { x: 0, y: 0, width: mapWidth, height, class: "zone-ground" }), ...shapes, ...here);

    list.replaceChildren(
      ...[...territories.values()].map((t) => {
        const contenders = [...(t.contest?.contenders ?? [])].sort((a, b) => b.progress - a.progress);
        const inZone = shown === (position?.zoneId || zoneOf(character));
        const standing = position !== undefined && inZone && inside(t.bounds, position.x, position.y);
        const walk = h("button", { type: "button", class: "small ghost", "data-testid": "world-walk" }, "Walk here");
        walk.addEventListener("click", () => {
          say(undefined);
          const b = t.bounds!;
          const to = { zoneId: t.zoneId, x: Math.round((b.minX + b.maxX) / 2), y: Math.round((b.minY + b.maxY) / 2), z: 0 };
          void api.player.moveCharacter({ characterId: character.characterId, position: to }).then(
            ({ character: moved }) => {
              position = moved?.position ?? position;
              paint();
            },
            (error: unknown) => say(describeError(error).message),
          );
        });
        const capture = h("button", { type: "button", class: "small", "data-testid": "world-capture" }, "Start capture");
        capture.addEventListener("click", () => {
          say(undefined);
          void api.world.startTerritoryCapture({ captureId: crypto.randomUUID(), characterId: character.characterId, territoryId: t.territoryId }).then(
            ({ territory }) => territory !== undefined && upsert(territory),
            (error: unknown) => say(describeError(error).message),
          );
        });
        return h(
          "li",
          { class: "world-territory", "data-testid": "world-territory", "data-territory-id": t.territoryId, "data-state": TerritoryState[t.state] },
          h("strong", {}, t.name),
          h("span", { class: "muted", "data-testid": "world-holder" }, `${stateLabels[t.state] ?? ""}${t.guildId === "" ? "" : ` · ${guildName(t.guildId)}`}`),
          ...contenders.map((c) =>
            h(
              "div",
              { class: "world-contender", "data-testid": "world-contender" },
              h("span", {}, guildName(c.guildId)),
              h("span", { class: "world-bar" }, h("span", { style: `width:${c.progress}%;background:${colourOf(c.guildId)}` })),
              h("span", { class: "score", "data-testid": "world-progress" }, `${c.progress}%`),
            ),
          ),
          standing ? capture : inZone ? walk : null,
        );
      }),
    );
  }

  function upsert(territory: Territory) {
    const known = territories.get(territory.territoryId);
    if (known !== undefined && known.revision > territory.revision) return;
    territories.set(territory.territoryId, territory);
    void nameGuilds([territory.guildId, ...(territory.contest?.contenders ?? []).map((c) => c.guildId)]).then(paint);
    paint();
  }

  async function follow(signal: AbortSignal) {
    let failures = 0;
    while (!signal.aborted) {
      const openedAt = Date.now();
      let failure: unknown;
      try {
        for await (const item of api.world.streamTerritories({ zoneId: shown }, { signal })) {
          if (item.kind === StreamItemKind.LIVE) {
            status.dataset.state = "live";
            status.textContent = "live";
          } else if (item.territory !== undefined) upsert(item.territory);
        }
      } catch (error) {
        failure = error;
      }
      if (signal.aborted) return;
      const delay = reopenDelay(failure !== undefined, failures, Date.now() - openedAt);
      failures = delay.failures;
      status.dataset.state = "reconnecting";
      status.textContent = "reconnecting…";
      await new Promise((resolve) => window.setTimeout(resolve, delay.ms));
    }
  }

  function restart() {
    stream.abort();
    stream = new AbortController();
    controller.signal.addEventListener("abort", () => stream.abort(), { once: true });
    territories.clear();
    paintZones();
    paint();
    void follow(stream.signal);
  }

  void api.world.listZones({}).then(
    ({ zones: all }) => {
      zones = all;
      restart();
    },
    (error: unknown) => say(describeError(error).message),
  );

  return { element, dispose: () => controller.abort() };
}
