import type { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { CharacterRecord, DeliveryRecord, DeliveryStatus, NotificationRecord, PageCursor, PreferencesRecord, WebhookRecord } from "./records.js";

/** The durable work of deliveries: one attempt of one delivery. */
export interface DeliveryJobs {
  readonly deliver: { readonly deliveryId: string };
}

/** A change to a delivery's row; updated_at moves with every one. */
export interface DeliveryChange {
  readonly status: DeliveryStatus;
  readonly attempts?: number;
  /** Null clears it. */
  readonly lastError?: string | null;
  readonly dueAt?: Date;
  readonly deliveredAt?: Date;
}

/** Whose deliveries: a player's own (not the studio's), the studio webhooks', or everyone's. */
export type DeliveryOwner = { readonly kind: "player"; readonly playerId: string } | { readonly kind: "studio" } | { readonly kind: "all" };

/** Which deliveries a listing shows. */
export interface DeliveryFilter {
  readonly whose: DeliveryOwner;
  readonly statuses: readonly DeliveryStatus[];
  readonly notificationId: string | undefined;
}

/** Reads outside any transaction, and the way into one. */
export interface NotificationStore {
  preferences(playerId: string): Promise<PreferencesRecord | undefined>;
  /**
   * The player's in-app notifications, newest first, after `cursor`, with how many are unread: both from
   * one snapshot, so the count always agrees with the page (read apart, a notification committed between
   * the two showed in the page while the count said 0).
   */
  listNotifications(playerId: string, unreadOnly: boolean, cursor: PageCursor | undefined, limit: number): Promise<{ notifications: NotificationRecord[]; unread: number }>;
  unreadCount(playerId: string): Promise<number>;
  /** The player's webhooks, or the studio's when `playerId` is undefined; deleted ones left out. */
  webhooks(playerId: string | undefined): Promise<WebhookRecord[]>;
  webhook(webhookId: string): Promise<WebhookRecord | undefined>;
  delivery(deliveryId: string): Promise<DeliveryRecord | undefined>;
  listDeliveries(filter: DeliveryFilter, cursor: PageCursor | undefined, limit: number): Promise<DeliveryRecord[]>;
  emailOf(accountId: string): Promise<string | undefined>;
  /** A key of this service, made at random on first use and the same for every replica afterwards. */
  serviceKey(name: string): Promise<Buffer>;
  transaction<T>(work: (tx: NotificationTransaction) => Promise<T>): Promise<T>;
}

/** Changes that commit together with their events and jobs. */
export interface NotificationTransaction {
  recordCharacter(character: CharacterRecord): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  recordAccount(accountId: string, email: string): Promise<void>;
  preferences(playerId: string): Promise<PreferencesRecord | undefined>;
  savePreferences(playerId: string, preferences: PreferencesRecord): Promise<void>;
  /** Inserts it unless the (source event, player) has one; false then. */
  insertNotification(notification: NotificationRecord): Promise<boolean>;
  markRead(playerId: string, notificationIds: readonly string[] | "all"): Promise<number>;
  /** The live webhooks a notification of `category` for `playerId` goes to: the player's and the studio's. */
  webhooksFor(playerId: string, category: Category): Promise<WebhookRecord[]>;
  /** Counts the player's live webhooks under a lock held until commit, so two registrations cannot pass the limit together. */
  countWebhooks(playerId: string): Promise<number>;
  insertWebhook(webhook: Omit<WebhookRecord, "secrets" | "deleted">): Promise<void>;
  lockWebhook(webhookId: string): Promise<WebhookRecord | undefined>;
  /** Adds a signing secret; the others still valid expire at `retireOthersAt` (undefined: they stay). */
  addSecret(webhookId: string, secret: string, retireOthersAt: Date | undefined): Promise<void>;
  deleteWebhook(webhookId: string): Promise<void>;
  insertDelivery(delivery: DeliveryRecord): Promise<void>;
  lockDelivery(deliveryId: string): Promise<DeliveryRecord | undefined>;
  updateDelivery(deliveryId: string, change: DeliveryChange): Promise<DeliveryRecord>;
  notification(notificationId: string): Promise<NotificationRecord | undefined>;
  webhook(webhookId: string): Promise<WebhookRecord | undefined>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  /** Schedules an attempt of the delivery at `dueAt` (replacing one scheduled before). */
  scheduleDelivery(deliveryId: string, dueAt: Date): Promise<void>;
}
