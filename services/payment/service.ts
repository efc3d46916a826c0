import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { PaymentInternalService } from "@chaos/gen/chaos/payment/v1/payment_internal_service_pb.js";
import { PaymentService } from "@chaos/gen/chaos/payment/v1/payment_service_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { createInventoryLedger } from "./clients/inventory-ledger.js";
import { createProviderApi } from "./clients/provider-api.js";
import { loadPaymentConfig } from "./config.js";
import { createOrders } from "./core/orders.js";
import { createPaymentSagas } from "./core/payment-sagas.js";
import { createProviderWebhooks } from "./core/provider-webhooks.js";
import { createPaymentInternalHandlers } from "./handlers/payment-internal-service.js";
import { paymentErrors } from "./handlers/payment-errors.js";
import { createPaymentHandlers } from "./handlers/payment-service.js";
import { createPaymentStore } from "./store/payment-store.js";

/** Gold packs sold through a Stripe-shaped provider: orders, signed webhooks, fulfilment once, refunds and chargebacks clawed back. */
export default defineService({
  name: "payment",
  description: "Gold packs sold through a Stripe-shaped provider: signed webhooks, fulfilment once, refund and chargeback clawbacks.",
  port: 7470,
  serves: [{ service: PaymentService, public: {} }, { service: PaymentInternalService }],
  calls: [{ service: InventoryInternalService, methods: ["grantGold", "clawbackGold"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations } },
  publishes: ["orders"],
  consumes: [{ domain: "player", stream: "characters" }],
  errors: paymentErrors,
  settings: loadPaymentConfig,
  wire({ settings, db, source, client }) {
    const store = createPaymentStore(db, source);
    const provider = createProviderApi(settings.providerUrl);
    const ledger = createInventoryLedger(() => client(InventoryInternalService));
    const orders = createOrders(store, provider, settings.catalogue, {
      orderTtlMs: settings.orderTtlSeconds * 1000,
      maxPendingOrders: settings.maxPendingOrders,
      refundWindowMs: settings.refundWindowDays * 86_400_000,
    });
    const webhooks = createProviderWebhooks(store, { secrets: settings.webhookSecrets, toleranceSeconds: settings.webhookToleranceSeconds });
    return {
      services: [registration(PaymentService, createPaymentHandlers(orders)), registration(PaymentInternalService, createPaymentInternalHandlers(webhooks))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, created) => tx.recordCharacter(created.characterId, created.playerId)),
        onEvent(CharacterDeletedSchema, (tx, deleted) => tx.markCharacterDeleted(deleted.characterId)),
      ]),
      jobs: {
        handlers: createPaymentSagas(store, ledger, provider),
        // A clawback must end, however long inventory or the provider is away: retried without end (at most every 60 s).
        maxAttempts: Infinity,
        initialBackoffMs: 200,
        leaseMs: settings.sagaLeaseSeconds * 1000,
      },
    };
  },
});
