import fs from "node:fs";
import { GuildCreatedSchema, GuildDisbandedSchema, MemberJoinedSchema, MemberKickedSchema, MemberLeftSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema, CharacterMovedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { WorldInternalService } from "@chaos/gen/chaos/world/v1/world_internal_service_pb.js";
import { WorldService } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration } from "@chaos/mesh/server";
import { Gauge } from "prom-client";
import { loadWorldConfig } from "./config.js";
import { startCaptureTicker } from "./core/capture-ticker.js";
import { createCaptures } from "./core/captures.js";
import { parseCatalogue } from "./core/catalogue.js";
import { createCharacterFeed } from "./core/character-feed.js";
import { createTerritoryStreams } from "./core/territory-streams.js";
import { toUpdate, withPresence } from "./core/territory-views.js";
import { createTickClock } from "./core/tick-clock.js";
import { createZones } from "./core/zones.js";
import { worldErrors } from "./handlers/world-errors.js";
import { createWorldInternalHandlers } from "./handlers/world-internal-service.js";
import { createWorldHandlers } from "./handlers/world-service.js";
import { startRedisFanout } from "./live/redis-fanout.js";
import { createWorldStore } from "./store/world-store.js";

type Position = { zoneId: string; x: number; y: number } | undefined;
const known = (p: Position) => (p === undefined || p.zoneId === "" ? undefined : { zoneId: p.zoneId, x: p.x, y: p.y });

/** Zones and territories: admins open and close zones, guilds capture territories in server-side contests, consoles stream the state. */
export default defineService({
  name: "world",
  description: "World: zones that admins open and close, territories guilds capture in server-side contests, a live stream of territory state.",
  port: 7430,
  serves: [{ service: WorldService, public: {} }, { service: WorldInternalService }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) }, redis: true },
  publishes: ["zones", "territories"],
  consumes: [
    { domain: "player", stream: "characters" },
    { domain: "guild", stream: "guilds" },
  ],
  errors: worldErrors,
  settings: loadWorldConfig,
  // A stream lasts until its access token expires (the gateway holds its own calls to 16 minutes).
  limits: () => ({ maxDeadlineMs: 3_600_000 }),
  async wire({ settings, db, redis, source, runtime, logger, onStop }) {
    const store = createWorldStore(db, source);
    await store.syncCatalogue(parseCatalogue(JSON.parse(fs.readFileSync(settings.cataloguePath, "utf8")), settings.cataloguePath));
    const clock = createTickClock(settings.tickMs);
    const streams = createTerritoryStreams(
      {
        snapshot: async (zoneId) => (await withPresence(store, await store.territories(zoneId))).map(toUpdate),
        revisions: () => store.revisions(),
      },
      { maxStreamsPerPlayer: settings.maxStreamsPerPlayer, queueLimit: settings.streamQueueLimit, sweepMs: settings.streamSweepMs, logger },
    );
    onStop(() => streams.stop());
    const live = await startRedisFanout(redis, streams, logger);
    onStop(() => live.close());
    new Gauge({
      name: "chaos_world_streams",
      help: "StreamTerritories streams open on this replica.",
      registers: [runtime.metrics.registry],
      collect() {
        this.set(streams.openStreams);
      },
    });
    const captures = createCaptures(store, { clock, rules: settings.rules, live });
    const ticker = startCaptureTicker(captures, clock, logger);
    // Registered after the fan-out: stopped first (onStop runs in reverse), so a last tick still announces.
    onStop(() => ticker.stop());
    const feed = createCharacterFeed({ clock });
    return {
      services: [
        registration(WorldService, createWorldHandlers({ reads: store, captures, zones: createZones(store, { clock, live }), streams })),
        registration(WorldInternalService, createWorldInternalHandlers(captures)),
      ],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, c) => feed.created(tx, { characterId: c.characterId, playerId: c.playerId, position: known(c.position) })),
        onEvent(CharacterMovedSchema, async (tx, moved) => {
          const to = known(moved.to);
          if (to !== undefined) await feed.moved(tx, moved.characterId, to);
        }),
        onEvent(CharacterDeletedSchema, (tx, deleted) => feed.deleted(tx, deleted.characterId)),
        onEvent(GuildCreatedSchema, (tx, created) => feed.memberJoined(tx, created.guild!.guildId, created.leader!.characterId)),
        onEvent(MemberJoinedSchema, (tx, joined) => feed.memberJoined(tx, joined.member!.guildId, joined.member!.characterId)),
        onEvent(MemberLeftSchema, (tx, left) => feed.memberGone(tx, left.guildId, left.characterId)),
        onEvent(MemberKickedSchema, (tx, kicked) => feed.memberGone(tx, kicked.guildId, kicked.characterId)),
        onEvent(GuildDisbandedSchema, (tx, disbanded) => feed.guildDisbanded(tx, disbanded.guild!.guildId)),
      ]),
      // Open streams would hold shutdown for the whole grace period; ended at once, their clients re-open on another replica.
      onDrain: () => streams.endAll(),
    };
  },
});
