import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  DeliveryChannel,
  DeliverySchema,
  DeliveryState,
  NotificationSchema,
  WebhookSchema,
  WebhookScope,
  type Delivery,
  type Notification,
  type Webhook,
} from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { ChannelName, DeliveryRecord, DeliveryStatus, NotificationRecord, WebhookRecord } from "./records.js";

const channels: Record<ChannelName, DeliveryChannel> = { in_app: DeliveryChannel.IN_APP, email: DeliveryChannel.EMAIL, webhook: DeliveryChannel.WEBHOOK };
const states: Record<DeliveryStatus, DeliveryState> = {
  pending: DeliveryState.PENDING,
  sending: DeliveryState.SENDING,
  delivered: DeliveryState.DELIVERED,
  retrying: DeliveryState.RETRYING,
  dead_lettered: DeliveryState.DEAD_LETTERED,
  unconfirmed: DeliveryState.UNCONFIRMED,
  cancelled: DeliveryState.CANCELLED,
};

export const deliveryChannel = (name: ChannelName): DeliveryChannel => channels[name];

/** The stored name of a contract channel. */
export function channelName(channel: DeliveryChannel): ChannelName {
  const found = (Object.keys(channels) as ChannelName[]).find((name) => channels[name] === channel);
  if (found === undefined) throw new Error(`no channel for ${channel}`);
  return found;
}

/** The stored status of a contract state (for listing filters). */
export function deliveryStatusOf(state: DeliveryState): DeliveryStatus {
  const found = (Object.keys(states) as DeliveryStatus[]).find((status) => states[status] === state);
  if (found === undefined) throw new Error(`no delivery status for state ${state}`);
  return found;
}

export function toNotification(record: NotificationRecord): Notification {
  return create(NotificationSchema, {
    notificationId: record.notificationId,
    playerId: record.playerId,
    category: record.category,
    kind: record.kind,
    title: record.title,
    body: record.body,
    link: record.link,
    characterId: record.characterId,
    read: record.readAt !== undefined,
    createTime: timestampFromDate(record.createdAt),
    sourceEventId: record.sourceEventId,
  });
}

export function toDelivery(record: DeliveryRecord): Delivery {
  return create(DeliverySchema, {
    deliveryId: record.deliveryId,
    notificationId: record.notificationId,
    playerId: record.playerId,
    category: record.category,
    channel: channels[record.channel],
    webhookId: record.channel === "webhook" ? record.target : "",
    state: states[record.status],
    attempts: record.attempts,
    lastError: record.lastError ?? "",
    dueTime: timestampFromDate(record.dueAt),
    deliverTime: record.deliveredAt === undefined ? undefined : timestampFromDate(record.deliveredAt),
    updateTime: timestampFromDate(record.updatedAt),
  });
}

export function toWebhook(record: WebhookRecord): Webhook {
  return create(WebhookSchema, {
    webhookId: record.webhookId,
    scope: record.scope === "studio" ? WebhookScope.STUDIO : WebhookScope.PLAYER,
    playerId: record.playerId ?? "",
    url: record.url,
    categories: [...record.categories],
    activeSecrets: record.secrets.length,
    createTime: timestampFromDate(record.createdAt),
  });
}
