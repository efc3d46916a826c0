import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { ProgressionInternalService } from "@chaos/gen/chaos/progression/v1/progression_internal_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration, jobQueueMigrations } from "@chaos/mesh/server";
import { createInventoryRewards } from "./clients/inventory-rewards.js";
import { createPlayerLevels } from "./clients/player-levels.js";
import { loadProgressionConfig } from "./config.js";
import { createFollowUpHandlers } from "./core/follow-ups.js";
import { createLeaderboards } from "./core/leaderboards.js";
import { createProgression } from "./core/progression.js";
import { progressionErrors } from "./handlers/progression-errors.js";
import { createProgressionInternalHandlers } from "./handlers/progression-internal-service.js";
import { createProgressionHandlers } from "./handlers/progression-service.js";
import { createBoardStore } from "./store/board-store.js";
import { createProgressStore } from "./store/progress-store.js";

/** Experience, levels, achievements and leaderboards, from combat's and player's events exactly once. */
export default defineService({
  name: "progression",
  description: "Experience, levels, achievements and leaderboards, from combat and player events exactly once.",
  port: 7160,
  // The operator rebuilds the leaderboards after a restore (npm start does, scripts/lib/read-models.ts).
  serves: [{ service: ProgressionService, public: {}, operatorMethods: ["rebuildLeaderboard"] }, { service: ProgressionInternalService }],
  calls: [
    { service: InventoryInternalService, methods: ["grantGold"] },
    { service: PlayerInternalService, methods: ["setLevel"] },
  ],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations }, redis: true },
  publishes: ["progress"],
  consumes: [
    { domain: "combat", stream: "casts" },
    { domain: "player", stream: "characters" },
  ],
  errors: progressionErrors,
  settings: loadProgressionConfig,
  wire({ settings, db, redis, source, client }) {
    const store = createProgressStore(db, source);
    const progression = createProgression(store);
    const leaderboards = createLeaderboards(store, createBoardStore(redis), { rebuildLockMs: settings.rebuildLockSeconds * 1000 });
    return {
      services: [
        registration(ProgressionService, createProgressionHandlers(progression, leaderboards)),
        registration(ProgressionInternalService, createProgressionInternalHandlers(progression)),
      ],
      events: consumeEvents(store.within, [
        onEvent(SpellCastSchema, (tx, cast) => progression.spellCast(tx, cast.casterCharacterId, cast.casterPlayerId)),
        onEvent(DamageDealtSchema, (tx, hit, event) => progression.damageDealt(tx, event.id, hit.sourceCharacterId, hit.amount)),
        onEvent(CharacterDefeatedSchema, (tx, defeat, event) =>
          progression.characterDefeated(tx, event.id, {
            victorCharacterId: defeat.victorCharacterId,
            victorPlayerId: defeat.victorPlayerId,
            defeatedId: defeat.defeatedId,
            defeatedPlayerId: defeat.defeatedPlayerId,
          }),
        ),
        onEvent(CharacterCreatedSchema, (tx, created) => progression.characterCreated(tx, created.characterId, created.playerId, created.name)),
        onEvent(CharacterDeletedSchema, (tx, deleted) => progression.characterDeleted(tx, deleted.characterId)),
      ]),
      jobs: {
        // Clients made on first use: a world without inventory or player (a test stack) fails those follow-ups, not start-up.
        handlers: createFollowUpHandlers({
          leaderboards,
          rewards: createInventoryRewards(() => client(InventoryInternalService)),
          levels: createPlayerLevels(() => client(PlayerInternalService)),
          goldPerLevel: settings.levelRewardGold,
        }),
        maxAttempts: settings.followUpAttempts,
      },
    };
  },
});
