import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, registration } from "@chaos/mesh/server";
import { loadInventoryConfig } from "./config.js";
import { createAssetViews } from "./core/asset-views.js";
import { createCharacterAssets } from "./core/character-assets.js";
import { createCharacterFeed } from "./core/character-feed.js";
import { createClawbacks } from "./core/clawbacks.js";
import { createEscrow } from "./core/escrow.js";
import { applyGiftRestriction, liftGiftRestriction } from "./core/gift-restrictions.js";
import { createGoldTransfers } from "./core/gold-transfers.js";
import { createGrants } from "./core/grants.js";
import { inventoryErrors } from "./handlers/inventory-errors.js";
import { createInventoryInternalHandlers } from "./handlers/inventory-internal-service.js";
import { createInventoryHandlers } from "./handlers/inventory-service.js";
import { createAssetStore } from "./store/asset-store.js";

/** Items, gold as a double-entry ledger, idempotent grants and spends, escrow holds, starter kits. */
export default defineService({
  name: "inventory",
  description: "Items, gold as a double-entry ledger, idempotent grants and spends, escrow holds.",
  port: 7150,
  serves: [{ service: InventoryService, public: {} }, {
      service: InventoryInternalService,
      // Support reads only: an operator's certificate never mints, moves or holds gold (GrantGold, MoveGold, escrow).
      operatorMethods: ["getAccountBalance", "listAccountEntries", "listCharacterItems"],
    },
  ],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) } },
  publishes: ["assets"],
  // Characters' owners, and anti-cheat's actions that bar players from gifts of gold (SendGold).
  consumes: [{ domain: "player", stream: "characters" }, { domain: "anticheat", stream: "actions" }],
  errors: inventoryErrors,
  settings: loadInventoryConfig,
  wire({ settings, db, source }) {
    const store = createAssetStore(db, source);
    const starterItems = settings.starterManaPotions > 0n ? [{ definitionId: "potion_of_mana", quantity: settings.starterManaPotions }] : [];
    const feed = createCharacterFeed({ gold: settings.starterGold, items: starterItems });
    return {
      services: [
        registration(InventoryService, createInventoryHandlers(createCharacterAssets(store))),
        registration(
          InventoryInternalService,
          createInventoryInternalHandlers({ grants: createGrants(store), clawbacks: createClawbacks(store), escrow: createEscrow(store), transfers: createGoldTransfers(store), views: createAssetViews(store) }),
        ),
      ],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => feed.created(tx, created.characterId, created.playerId)),
        onEvent(CharacterDeletedSchema, (tx, deleted) => feed.deleted(tx, deleted.characterId)),
        onEvent(ActionAppliedSchema, (tx, applied) => applyGiftRestriction(tx, applied.action!)),
        onEvent(ActionLiftedSchema, (tx, lifted) => liftGiftRestriction(tx, lifted.action!)),
      ]),
    };
  },
});
