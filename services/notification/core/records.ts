import type { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";

/** A channel as stored. */
export type ChannelName = "in_app" | "email" | "webhook";

/** Where a delivery is (see DeliveryState in notification.proto). */
export type DeliveryStatus = "pending" | "sending" | "delivered" | "retrying" | "dead_lettered" | "unconfirmed" | "cancelled";

/** A character of the read model fed by player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
  /** Deleted characters get no more notifications. */
  readonly deleted: boolean;
}

/** A daily window in the player's zone, minutes since midnight; end is exclusive. */
export interface QuietWindow {
  readonly start: string;
  readonly end: string;
}

/** A player's preferences as stored: only the categories set carry channels. */
export interface PreferencesRecord {
  readonly channels: ReadonlyMap<Category, readonly ChannelName[]>;
  readonly quietHours: QuietWindow | undefined;
  readonly timeZone: string;
  readonly emailOptOut: boolean;
}

/** One notification in a player's centre. */
export interface NotificationRecord {
  readonly notificationId: string;
  readonly playerId: string;
  readonly category: Category;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly link: string;
  readonly characterId: string;
  readonly sourceEventId: string;
  readonly inApp: boolean;
  readonly readAt: Date | undefined;
  readonly createdAt: Date;
}

/** A webhook and its signing secrets that are still valid. */
export interface WebhookRecord {
  readonly webhookId: string;
  readonly scope: "player" | "studio";
  /** Undefined for a studio webhook. */
  readonly playerId: string | undefined;
  readonly url: string;
  readonly categories: readonly Category[];
  readonly createdAt: Date;
  readonly deleted: boolean;
  /** Newest first. */
  readonly secrets: readonly string[];
}

/** One notification on one channel to one target. */
export interface DeliveryRecord {
  readonly deliveryId: string;
  readonly notificationId: string;
  readonly playerId: string;
  readonly category: Category;
  readonly channel: "email" | "webhook";
  /** The webhook id of a webhook delivery; "" for email. */
  readonly target: string;
  readonly studio: boolean;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | undefined;
  readonly dueAt: Date;
  readonly deliveredAt: Date | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Where a listing page ended. */
export interface PageCursor {
  readonly createdAt: Date;
  readonly id: string;
}
