import { fileURLToPath } from "node:url";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import {
  CharacterCreatedSchema,
  CharacterDeletedSchema,
  CharacterHealthChangedSchema,
  CharacterLevelChangedSchema,
  CharacterMovedSchema,
} from "@chaos/gen/chaos/player/v1/events_pb.js";
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
import { loadInventoryConfig } from "./config.js";
import { createCharacterAssets } from "./core/character-assets.js";
import { createCharacterFeed } from "./core/character-feed.js";
import { createEscrow } from "./core/escrow.js";
import { createGrants } from "./core/grants.js";
import { inventoryErrors } from "./handlers/inventory-errors.js";
import { createInventoryInternalHandlers } from "./handlers/inventory-internal-service.js";
import { createInventoryHandlers } from "./handlers/inventory-service.js";
import { createAssetStore } from "./store/asset-store.js";

const config = loadInventoryConfig();
let resources: ServiceResources | undefined;
let consumer: EventConsumer | undefined;

await runService({
  name: "inventory",
  tokenVerifier: (runtime) => createIdentityTokenVerifier(runtime),
  interceptors: [createDomainErrorInterceptor(inventoryErrors)],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, {
      migrationsDir: fileURLToPath(new URL("./migrations", import.meta.url)),
      publishes: [topicName("inventory", "assets")],
    });
    const source = runtime.spiffeId;
    const store = createAssetStore(resources.db, source);
    const feed = createCharacterFeed(store, { gold: config.starterGold, items: config.starterManaPotions > 0n ? [{ definitionId: "potion_of_mana", quantity: config.starterManaPotions }] : [] });
    consumer = await startEventConsumer({
      kafka: resources.kafka,
      pool: resources.db.pool,
      logger: runtime.logger,
      groupId: consumerGroupId("inventory"),
      topics: [topicName("player", "characters")],
      // The topic's other events say nothing this service keeps.
      ignoredTypes: [CharacterMovedSchema, CharacterHealthChangedSchema, CharacterLevelChangedSchema],
      handlers: [
        onEvent(CharacterCreatedSchema, (client, created) => feed.created(client, created.characterId, created.playerId)),
        onEvent(CharacterDeletedSchema, (client, deleted) => feed.deleted(client, deleted.characterId)),
      ],
      registry: runtime.metrics.registry,
    });
    return [
      registration(InventoryService, createInventoryHandlers(createCharacterAssets(store))),
      registration(InventoryInternalService, createInventoryInternalHandlers(createGrants(store), createEscrow(store))),
    ];
  },
  onShutdown: [async () => consumer?.stop(), async () => resources?.close()],
});
