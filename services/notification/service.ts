import { AccountRegisteredSchema } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { createSmtpSender } from "./clients/smtp-sender.js";
import { createWebhookSender } from "./clients/webhook-sender.js";
import { loadNotificationConfig } from "./config.js";
import { notificationCatalog } from "./core/catalog.js";
import { createDeliveries } from "./core/deliveries.js";
import type { NotificationTransaction } from "./core/notification-store.js";
import { createNotifications } from "./core/notifications.js";
import { createRetrySchedule } from "./core/retry-schedule.js";
import { createUnsubscribeTokens, type UnsubscribeTokens } from "./core/unsubscribe-token.js";
import { createWebhooks } from "./core/webhooks.js";
import { notificationErrors } from "./handlers/notification-errors.js";
import { createNotificationHandlers } from "./handlers/notification-service.js";
import { createNotificationStore } from "./store/notification-store.js";

/** The topics of the catalogued events, each once, after the read models' own. */
const catalogTopics = [...new Map(notificationCatalog.map((entry) => [`${entry.topic.domain}.${entry.topic.stream}`, entry.topic])).values()];

/** Notifications made from domain events, delivered in-app, by email and to signed webhooks, per the player's preferences. */
export default defineService({
  name: "notification",
  description: "Notifications from domain events: the in-app centre and live feed, email over SMTP and signed webhooks, per the player's preferences.",
  port: 7400,
  serves: [{ service: NotificationService, public: { openMethods: ["unsubscribe"] } }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations } },
  publishes: ["notifications"],
  consumes: [{ domain: "player", stream: "characters" }, { domain: "identity", stream: "accounts" }, ...catalogTopics],
  errors: notificationErrors,
  settings: loadNotificationConfig,
  wire({ settings, db, source, onStop }) {
    const store = createNotificationStore(db, source);
    let tokens: Promise<UnsubscribeTokens> | undefined;
    const unsubscribeTokens = () => (tokens ??= store.serviceKey("unsubscribe").then(createUnsubscribeTokens));
    const email = createSmtpSender({ url: settings.smtpUrl, from: settings.emailFrom, timeoutMs: settings.smtpTimeoutMs });
    onStop(() => email.close());
    const notifications = createNotifications(store, unsubscribeTokens, { maxEventAgeMs: settings.maxEventAgeSeconds * 1000 });
    const deliveries = createDeliveries({
      store,
      email,
      webhooks: createWebhookSender({ timeoutMs: settings.webhookTimeoutMs, allowPrivate: settings.allowPrivateWebhooks }),
      schedule: createRetrySchedule({ initialMs: settings.retryInitialMs, maxMs: settings.retryMaxMs, maxAttempts: settings.maxAttempts }),
      unsubscribeTokens,
      unsubscribeUrl: settings.unsubscribeUrl,
    });
    const webhooks = createWebhooks(store, {
      maxPerPlayer: settings.maxWebhooksPerPlayer,
      secretOverlapMs: settings.secretOverlapSeconds * 1000,
      allowPrivate: settings.allowPrivateWebhooks,
    });
    return {
      services: [registration(NotificationService, createNotificationHandlers(notifications, webhooks, deliveries))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx: NotificationTransaction, created) => notifications.characterCreated(tx, created.characterId, created.playerId, created.name)),
        onEvent(CharacterDeletedSchema, (tx: NotificationTransaction, deleted) => notifications.characterDeleted(tx, deleted.characterId)),
        onEvent(AccountRegisteredSchema, (tx: NotificationTransaction, registered) => notifications.accountRegistered(tx, registered.accountId, registered.email)),
        ...notificationCatalog.map((entry) => onEvent(entry.schema, (tx: NotificationTransaction, message, event) => notifications.fromEvent(tx, entry, message, event))),
      ]),
      jobs: {
        handlers: deliveries.jobs,
        // An attempt's own failures are scheduled by the delivery's retry schedule; the worker retries only a
        // run that could not reach the database, and never gives such a run up.
        maxAttempts: Infinity,
        leaseMs: settings.deliveryLeaseSeconds * 1000,
      },
    };
  },
});
