import { toJsonString } from "@bufbuild/protobuf";
import { NotificationSchema } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import { DomainError, type JobHandlers } from "@chaos/mesh/domain";
import { renderEmail } from "./email-template.js";
import { notificationDeadLettered, notificationDelivered, notificationDeliveryFailed } from "./notification-events.js";
import { toNotification } from "./notification-message.js";
import type { DeliveryFilter, DeliveryJobs, NotificationStore } from "./notification-store.js";
import { channelsFor, defaultPreferences } from "./preferences.js";
import type { DeliveryRecord, NotificationRecord, PageCursor, WebhookRecord } from "./records.js";
import type { RetrySchedule } from "./retry-schedule.js";
import type { EmailSender, WebhookSender } from "./senders.js";
import type { UnsubscribeTokens } from "./unsubscribe-token.js";
import { signatureHeader, signWebhook } from "./webhook-signature.js";

/** Email and webhook deliveries: their attempts (durable jobs), listing and replay. */
export interface Deliveries {
  readonly jobs: JobHandlers<DeliveryJobs>;
  list(filter: DeliveryFilter, cursor: PageCursor | undefined, limit: number): Promise<DeliveryRecord[]>;
  /** Sends a dead-lettered or unconfirmed delivery again, with a fresh retry schedule. */
  replay(deliveryId: string, viewer: DeliveryViewer): Promise<DeliveryRecord>;
}

/** Who looks at a delivery: a player sees their own, an admin any. */
export interface DeliveryViewer {
  readonly playerId: string | undefined;
  readonly admin: boolean;
}

/** What deliveries need besides the store. */
export interface DeliveryDependencies {
  readonly store: NotificationStore;
  readonly email: EmailSender;
  readonly webhooks: WebhookSender;
  readonly schedule: RetrySchedule;
  readonly unsubscribeTokens: () => Promise<UnsubscribeTokens>;
  /** The unsubscribe page; the token is added as ?token=. */
  readonly unsubscribeUrl: string;
}

/** What an attempt sends, read in the claiming transaction. */
type Claimed =
  | { readonly channel: "email"; readonly delivery: DeliveryRecord; readonly notification: NotificationRecord }
  | { readonly channel: "webhook"; readonly delivery: DeliveryRecord; readonly notification: NotificationRecord; readonly webhook: WebhookRecord };

const finalStatuses = new Set(["delivered", "dead_lettered", "unconfirmed", "cancelled"]);
const messageDomain = "notification.chaos.world";

/**
 * One attempt of a delivery, in three steps so that nothing is sent twice:
 *
 * 1. claim: in a transaction, the delivery moves to `sending` with its
 *    attempt counted, and commits, before anything goes out (or it is
 *    cancelled, when the player has turned its channel off since, or its
 *    webhook is gone);
 * 2. send (SMTP with a Message-ID stable per delivery, or a signed POST);
 * 3. record the outcome: delivered, retrying (the next attempt scheduled with
 *    backoff and jitter) or dead-lettered after the last attempt.
 *
 * A run that finds the delivery still `sending` knows an earlier attempt
 * began and never recorded its outcome: the process died between 1 and 3.
 * Whether the receiver got it is unknown, so it is not sent again on its own
 * but marked `unconfirmed` (dead-lettered, replayable). The window left is
 * therefore one of at most once, not at least once: a crash after the claim
 * and before the receiver accepted loses that delivery until it is replayed.
 */
export function createDeliveries(deps: DeliveryDependencies): Deliveries {
  const { store } = deps;

  async function claim(deliveryId: string): Promise<Claimed | undefined> {
    return store.transaction(async (tx) => {
      const delivery = await tx.lockDelivery(deliveryId);
      if (delivery === undefined || finalStatuses.has(delivery.status)) return undefined;
      const at = new Date();
      if (delivery.status === "sending") {
        const interrupted = await tx.updateDelivery(deliveryId, {
          status: "unconfirmed",
          lastError: `attempt ${delivery.attempts} was interrupted (the sender stopped before it recorded the outcome); not sent again on its own: replay it if it did not arrive`,
        });
        await tx.publish([notificationDeadLettered(interrupted, at)]);
        return undefined;
      }
      const notification = await tx.notification(delivery.notificationId);
      if (notification === undefined) throw new Error(`delivery ${deliveryId} has no notification`);
      // The player's choice when it is due counts, not when it was made: an unsubscribe stops the mails already waiting too.
      const cancel = async (why: string) => {
        await tx.updateDelivery(deliveryId, { status: "cancelled", lastError: why });
        return undefined;
      };
      let webhook: WebhookRecord | undefined;
      if (delivery.channel === "webhook") {
        webhook = await tx.webhook(delivery.target);
        if (webhook === undefined || webhook.deleted || webhook.secrets.length === 0) return cancel("the webhook was deleted before it was sent");
      }
      if (!delivery.studio) {
        const channels = channelsFor((await tx.preferences(delivery.playerId)) ?? defaultPreferences, delivery.category);
        if (!channels.has(delivery.channel)) return cancel(`the player turned ${delivery.channel === "email" ? "email" : "webhooks"} off for this before it was sent`);
      }
      const sending = await tx.updateDelivery(deliveryId, { status: "sending", attempts: delivery.attempts + 1 });
      return webhook === undefined ? { channel: "email", delivery: sending, notification } : { channel: "webhook", delivery: sending, notification, webhook };
    });
  }

  async function send(claimed: Claimed): Promise<void> {
    const { delivery, notification } = claimed;
    if (claimed.channel === "email") {
      const to = await store.emailOf(notification.playerId);
      if (to === undefined) throw new Error("the account's email address is not known yet (identity's AccountRegistered not consumed)");
      const link = `${deps.unsubscribeUrl}${deps.unsubscribeUrl.includes("?") ? "&" : "?"}token=${(await deps.unsubscribeTokens()).issue(notification.playerId)}`;
      await deps.email.send({
        to,
        ...renderEmail(notification, link),
        messageId: `<${delivery.deliveryId}@${messageDomain}>`,
        headers: { "List-Unsubscribe": `<${link}>`, "X-Chaos-Notification-Id": notification.notificationId, "X-Chaos-Delivery-Id": delivery.deliveryId },
      });
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    // The id is the delivery's, the same on every attempt: a receiver keeps the ids it has seen to drop a replay.
    const body = `{"id":"${delivery.deliveryId}","type":"notification.created","attempt":${delivery.attempts},"notification":${toJsonString(NotificationSchema, toNotification(notification))}}`;
    await deps.webhooks.post({
      url: claimed.webhook.url,
      body,
      headers: {
        "Content-Type": "application/json",
        [signatureHeader]: signWebhook(body, claimed.webhook.secrets, timestamp),
        "Chaos-Delivery-Id": delivery.deliveryId,
        "User-Agent": "ChaosWorld-Webhooks/1",
      },
    });
  }

  /** Records the outcome of the attempt claimed, unless another run has recorded one since. */
  async function record(claimed: DeliveryRecord, failure: unknown): Promise<void> {
    await store.transaction(async (tx) => {
      const current = await tx.lockDelivery(claimed.deliveryId);
      // A slower run of the same attempt that finds it marked unconfirmed still knows better: its outcome wins.
      if (current === undefined || current.attempts !== claimed.attempts || (current.status !== "sending" && current.status !== "unconfirmed")) return;
      const at = new Date();
      if (failure === undefined) {
        const delivered = await tx.updateDelivery(claimed.deliveryId, { status: "delivered", deliveredAt: at, lastError: null });
        await tx.publish([notificationDelivered(delivered)]);
        return;
      }
      const message = (failure instanceof Error ? failure.message : String(failure)).slice(0, 500);
      const delay = deps.schedule.delayAfter(current.attempts);
      if (delay === undefined) {
        const dead = await tx.updateDelivery(claimed.deliveryId, { status: "dead_lettered", lastError: message });
        await tx.publish([notificationDeadLettered(dead, at)]);
        return;
      }
      const dueAt = new Date(at.getTime() + delay);
      const retrying = await tx.updateDelivery(claimed.deliveryId, { status: "retrying", lastError: message, dueAt });
      await tx.scheduleDelivery(claimed.deliveryId, dueAt);
      await tx.publish([notificationDeliveryFailed(retrying)]);
    });
  }

  const visible = async (deliveryId: string, viewer: DeliveryViewer) => {
    const delivery = await store.delivery(deliveryId);
    if (delivery === undefined || (!viewer.admin && (delivery.studio || delivery.playerId !== viewer.playerId))) {
      throw new DomainError(ErrorReason.DELIVERY_NOT_FOUND, "no such delivery of yours", { delivery_id: deliveryId });
    }
    return delivery;
  };

  return {
    jobs: {
      async deliver({ deliveryId }) {
        const claimed = await claim(deliveryId);
        if (claimed === undefined) return;
        let failure: unknown;
        try {
          await send(claimed);
        } catch (error) {
          failure = error ?? new Error("send failed");
        }
        await record(claimed.delivery, failure);
      },
    },
    list: (filter, cursor, limit) => store.listDeliveries(filter, cursor, limit),
    async replay(deliveryId, viewer) {
      await visible(deliveryId, viewer);
      return store.transaction(async (tx) => {
        const delivery = await tx.lockDelivery(deliveryId);
        if (delivery === undefined) throw new DomainError(ErrorReason.DELIVERY_NOT_FOUND, "no such delivery of yours", { delivery_id: deliveryId });
        if (delivery.status !== "dead_lettered" && delivery.status !== "unconfirmed") {
          throw new DomainError(ErrorReason.DELIVERY_NOT_REPLAYABLE, `only dead-lettered or unconfirmed deliveries can be replayed; this one is ${delivery.status}`, { state: delivery.status });
        }
        const now = new Date();
        const pending = await tx.updateDelivery(deliveryId, { status: "pending", attempts: 0, dueAt: now });
        await tx.scheduleDelivery(deliveryId, now);
        return pending;
      });
    },
  };
}
