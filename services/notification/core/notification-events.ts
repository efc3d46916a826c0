import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  NotificationCreatedSchema,
  NotificationDeadLetteredSchema,
  NotificationDeliveredSchema,
  NotificationDeliveryFailedSchema,
} from "@chaos/gen/chaos/notification/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import { toDelivery, toNotification } from "./notification-message.js";
import type { DeliveryRecord, NotificationRecord } from "./records.js";

const topic = topicName("notification", "notifications");

// Keyed by the player, so one player's notifications and deliveries stay in order.

export const notificationCreated = (notification: NotificationRecord): OutgoingEvent => ({
  topic,
  aggregateId: notification.playerId,
  schema: NotificationCreatedSchema,
  message: create(NotificationCreatedSchema, { notification: toNotification(notification) }),
});

export const notificationDelivered = (delivery: DeliveryRecord): OutgoingEvent => ({
  topic,
  aggregateId: delivery.playerId,
  schema: NotificationDeliveredSchema,
  message: create(NotificationDeliveredSchema, { delivery: toDelivery(delivery) }),
});

export const notificationDeliveryFailed = (delivery: DeliveryRecord): OutgoingEvent => ({
  topic,
  aggregateId: delivery.playerId,
  schema: NotificationDeliveryFailedSchema,
  message: create(NotificationDeliveryFailedSchema, { delivery: toDelivery(delivery) }),
});

export const notificationDeadLettered = (delivery: DeliveryRecord, at: Date): OutgoingEvent => ({
  topic,
  aggregateId: delivery.playerId,
  schema: NotificationDeadLetteredSchema,
  message: create(NotificationDeadLetteredSchema, { delivery: toDelivery(delivery), deadLetterTime: timestampFromDate(at) }),
});
