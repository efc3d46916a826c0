import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, createRateLimiter, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { createInventoryEscrow } from "./clients/inventory-escrow.js";
import { loadTradingConfig } from "./config.js";
import { applyRestriction, liftRestriction } from "./core/restrictions.js";
import { createSettlement } from "./core/settlement.js";
import { createTrades } from "./core/trades.js";
import { tradingErrors } from "./handlers/trading-errors.js";
import { createTradingHandlers } from "./handlers/trading-service.js";
import { createTradeStore } from "./store/trade-store.js";

/** Player-to-player trades, settled by an escrow saga over inventory's holds that resumes after any crash. */
export default defineService({
  name: "trading",
  description: "Player-to-player trades settled by an escrow saga over inventory's holds.",
  port: 7170,
  serves: [{ service: TradingService, public: {} }],
  calls: [{ service: InventoryInternalService, methods: ["placeEscrowHold", "releaseEscrowHold", "transferEscrowHolds", "listCharacterItems", "getAccountBalance"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations }, redis: true },
  publishes: ["trades"],
  // Characters' owners, and anti-cheat's actions that bar players from trading.
  consumes: [{ domain: "player", stream: "characters" }, { domain: "anticheat", stream: "actions" }],
  errors: tradingErrors,
  settings: loadTradingConfig,
  wire({ settings, db, redis, source, client }) {
    const store = createTradeStore(db, source);
    const escrow = createInventoryEscrow(() => client(InventoryInternalService));
    const settlement = createSettlement(store, escrow, { settleTimeoutMs: settings.settleTimeoutSeconds * 1000 });
    const limiter = createRateLimiter(redis);
    const proposalRate = { limit: settings.proposalsPerMinute, periodMs: 60_000 };
    const trades = createTrades({
      store,
      escrow,
      settlement,
      limiter: { check: (playerId) => limiter.check(`trading:propose:${playerId}`, proposalRate) },
      limits: { maxOpenTradesPerCharacter: settings.maxOpenTrades, defaultTtlMs: settings.defaultTtlSeconds * 1000, acceptWaitMs: settings.acceptWaitMs },
    });
    return {
      services: [registration(TradingService, createTradingHandlers(trades))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => trades.characterCreated(tx, { characterId: created.characterId, playerId: created.playerId, name: created.name })),
        onEvent(CharacterDeletedSchema, (tx, deleted) => trades.characterDeleted(tx, deleted.characterId)),
        onEvent(ActionAppliedSchema, (tx, applied) => applyRestriction(tx, applied.action!)),
        onEvent(ActionLiftedSchema, (tx, lifted) => liftRestriction(tx, lifted.action!)),
      ]),
      jobs: {
        handlers: settlement.jobs,
        // A saga must end, however long inventory is away: it never gives up, it keeps retrying (at most every 60 s).
        maxAttempts: Infinity,
        initialBackoffMs: 200,
        leaseMs: settings.sagaLeaseSeconds * 1000,
      },
    };
  },
});
