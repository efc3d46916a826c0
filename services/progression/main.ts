import { fileURLToPath } from "node:url";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import {
  CharacterCreatedSchema,
  CharacterDeletedSchema,
  CharacterHealthChangedSchema,
  CharacterLevelChangedSchema,
  CharacterMovedSchema,
} from "@chaos/gen/chaos/player/v1/events_pb.js";
import { ProgressionInternalService } from "@chaos/gen/chaos/progression/v1/progression_internal_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import {
  consumerGroupId,
  createDomainErrorInterceptor,
  createIdentityTokenVerifier,
  onEvent,
  openServiceResources,
  registration,
  runService,
  startEventConsumer,
  topicName,
  type EventConsumer,
  type ServiceResources,
} from "@chaos/mesh";
import { createInventoryRewards } from "./clients/inventory-rewards.js";
import { createPlayerLevels } from "./clients/player-levels.js";
import { loadProgressionConfig } from "./config.js";
import { startFollowUpWorker, type FollowUpWorker } from "./core/follow-up-worker.js";
import { createLeaderboards } from "./core/leaderboards.js";
import { createProgression } from "./core/progression.js";
import { progressionErrors } from "./handlers/progression-errors.js";
import { createProgressionInternalHandlers } from "./handlers/progression-internal-service.js";
import { createProgressionHandlers } from "./handlers/progression-service.js";
import { createBoardStore } from "./store/board-store.js";
import { createFollowUpStore } from "./store/follow-up-store.js";
import { createProgressStore } from "./store/progress-store.js";

const config = loadProgressionConfig();
let resources: ServiceResources | undefined;
let consumer: EventConsumer | undefined;
let worker: FollowUpWorker | undefined;

await runService({
  name: "progression",
  tokenVerifier: (runtime) => createIdentityTokenVerifier(runtime),
  interceptors: [createDomainErrorInterceptor(progressionErrors)],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, {
      migrationsDir: fileURLToPath(new URL("./migrations", import.meta.url)),
      publishes: [topicName("progression", "progress")],
    });
    const source = runtime.spiffeId;
    const store = createProgressStore(resources.db, source);
    const progression = createProgression(store);
    const leaderboards = createLeaderboards(store, createBoardStore(resources.redis), { rebuildLockMs: config.rebuildLockSeconds * 1000 });
    worker = await startFollowUpWorker({
      store: createFollowUpStore(resources.db.pool),
      leaderboards,
      rewards: createInventoryRewards(runtime),
      levels: createPlayerLevels(runtime),
      logger: runtime.logger,
      goldPerLevel: config.levelRewardGold,
      maxAttempts: config.followUpAttempts,
      registry: runtime.metrics.registry,
    });
    consumer = await startEventConsumer({
      kafka: resources.kafka,
      pool: resources.db.pool,
      logger: runtime.logger,
      groupId: consumerGroupId("progression"),
      topics: [topicName("combat", "casts"), topicName("player", "characters")],
      // The player topic's other events do not move progression.
      ignoredTypes: [CharacterMovedSchema, CharacterHealthChangedSchema, CharacterLevelChangedSchema],
      handlers: [
        onEvent(SpellCastSchema, (client, cast) => progression.spellCast(client, cast.casterCharacterId, cast.casterPlayerId)),
        onEvent(DamageDealtSchema, (client, hit, event) => progression.damageDealt(client, event.id, hit.sourceCharacterId, hit.amount)),
        onEvent(CharacterDefeatedSchema, (client, defeat, event) =>
          progression.characterDefeated(client, event.id, {
            victorCharacterId: defeat.victorCharacterId,
            victorPlayerId: defeat.victorPlayerId,
            defeatedId: defeat.defeatedId,
            defeatedPlayerId: defeat.defeatedPlayerId,
          }),
        ),
        onEvent(CharacterCreatedSchema, (client, created) => progression.characterCreated(client, created.characterId, created.playerId, created.name)),
        onEvent(CharacterDeletedSchema, (client, deleted) => progression.characterDeleted(client, deleted.characterId)),
      ],
      registry: runtime.metrics.registry,
    });
    return [
      registration(ProgressionService, createProgressionHandlers(progression, leaderboards)),
      registration(ProgressionInternalService, createProgressionInternalHandlers(progression)),
    ];
  },
  onShutdown: [async () => consumer?.stop(), async () => worker?.stop(), async () => resources?.close()],
});
