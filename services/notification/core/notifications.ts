import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { Addressee, CatalogEntry } from "./catalog.js";
import { notificationCreated } from "./notification-events.js";
import type { NotificationStore, NotificationTransaction } from "./notification-store.js";
import { channelsFor, defaultPreferences, validatePreferences, type PreferencesUpdate } from "./preferences.js";
import { quietHoursEnd } from "./quiet-hours.js";
import type { DeliveryRecord, NotificationRecord, PageCursor, PreferencesRecord } from "./records.js";
import type { UnsubscribeTokens } from "./unsubscribe-token.js";

/** The notification centre, preferences, and the making of notifications from domain events. */
export interface Notifications {
  /**
   * In the inbox transaction of a catalogued event: one notification per
   * player it is for (unless the player muted its category), in-app at once
   * (NotificationCreated for the live feed), and an email and webhook
   * deliveries claimed and scheduled, at the end of quiet hours when it falls
   * inside them. An event older than the age limit (its ce_time) makes none.
   */
  fromEvent(tx: NotificationTransaction, entry: CatalogEntry, message: unknown, event: { readonly id: string; readonly time: string }): Promise<void>;
  characterCreated(tx: NotificationTransaction, characterId: string, playerId: string, name: string): Promise<void>;
  characterDeleted(tx: NotificationTransaction, characterId: string): Promise<void>;
  accountRegistered(tx: NotificationTransaction, accountId: string, email: string): Promise<void>;
  preferences(playerId: string): Promise<PreferencesRecord>;
  updatePreferences(playerId: string, update: PreferencesUpdate): Promise<PreferencesRecord>;
  list(playerId: string, unreadOnly: boolean, cursor: PageCursor | undefined, limit: number): Promise<{ notifications: NotificationRecord[]; unread: number }>;
  markRead(playerId: string, ids: readonly string[] | "all"): Promise<{ updated: number; unread: number }>;
  /** Applies an unsubscribe link's token; true when email was on until now. */
  unsubscribe(token: string): Promise<boolean>;
}

/** Options of {@link createNotifications}. */
export interface NotificationsOptions {
  /** Events older than this (by ce_time) make no notification. */
  readonly maxEventAgeMs: number;
}

export function createNotifications(store: NotificationStore, tokens: () => Promise<UnsubscribeTokens>, options: NotificationsOptions): Notifications {
  /** Who an event's recipient is; undefined for a deleted character. Unknown characters fail the event, which is retried: player's event may be behind. */
  async function addressee(tx: NotificationTransaction, characterId: string, playerId: string | undefined): Promise<Addressee | undefined> {
    const character = await tx.character(characterId);
    if (character?.deleted === true) return undefined;
    const owner = playerId === undefined || playerId === "" ? character?.playerId : playerId;
    if (owner === undefined) throw new Error(`character ${characterId} is not known yet (player's CharacterCreated not consumed)`);
    return { playerId: owner, characterId, characterName: character?.name ?? "Your character" };
  }

  return {
    async fromEvent(tx, entry, message, event) {
      const now = new Date();
      const occurred = Date.parse(event.time);
      if (!Number.isNaN(occurred) && now.getTime() - occurred > options.maxEventAgeMs) return;
      const seen = new Set<string>();
      for (const recipient of entry.recipients(message as never)) {
        const to = await addressee(tx, recipient.characterId, recipient.playerId);
        // One notification per player and event, even when the event names two of their characters.
        if (to === undefined || seen.has(to.playerId)) continue;
        seen.add(to.playerId);
        const preferences = (await tx.preferences(to.playerId)) ?? defaultPreferences;
        const channels = channelsFor(preferences, entry.category);
        const webhooks = (await tx.webhooksFor(to.playerId, entry.category)).filter((w) => w.scope === "studio" || channels.has("webhook"));
        if (!channels.has("in_app") && !channels.has("email") && webhooks.length === 0) continue;
        const rendered = entry.render(message as never, to);
        const notification: NotificationRecord = {
          notificationId: randomUUID(),
          playerId: to.playerId,
          category: entry.category,
          kind: entry.kind,
          ...rendered,
          characterId: to.characterId,
          sourceEventId: event.id,
          inApp: channels.has("in_app"),
          readAt: undefined,
          createdAt: now,
        };
        if (!(await tx.insertNotification(notification))) continue;
        if (notification.inApp) await tx.publish([notificationCreated(notification)]);
        // Email and the player's webhooks wait for the end of quiet hours; the studio's systems do not keep the player's hours.
        const playersDue = quietHoursEnd(preferences.quietHours, preferences.timeZone, now) ?? now;
        const deliveries: DeliveryRecord[] = [
          ...(channels.has("email") ? [{ channel: "email" as const, target: "", studio: false, dueAt: playersDue }] : []),
          ...webhooks.map((w) => ({ channel: "webhook" as const, target: w.webhookId, studio: w.scope === "studio", dueAt: w.scope === "studio" ? now : playersDue })),
        ].map((d) => ({
          ...d,
          deliveryId: randomUUID(),
          notificationId: notification.notificationId,
          playerId: to.playerId,
          category: entry.category,
          status: "pending",
          attempts: 0,
          lastError: undefined,
          deliveredAt: undefined,
          createdAt: now,
          updatedAt: now,
        }));
        for (const delivery of deliveries) {
          await tx.insertDelivery(delivery);
          await tx.scheduleDelivery(delivery.deliveryId, delivery.dueAt);
        }
      }
    },
    characterCreated: (tx, characterId, playerId, name) => tx.recordCharacter({ characterId, playerId, name, deleted: false }),
    characterDeleted: (tx, characterId) => tx.markCharacterDeleted(characterId),
    accountRegistered: (tx, accountId, email) => tx.recordAccount(accountId, email),
    async preferences(playerId) {
      return (await store.preferences(playerId)) ?? defaultPreferences;
    },
    async updatePreferences(playerId, update) {
      const preferences = validatePreferences(update);
      await store.transaction((tx) => tx.savePreferences(playerId, preferences));
      return preferences;
    },
    async list(playerId, unreadOnly, cursor, limit) {
      return store.listNotifications(playerId, unreadOnly, cursor, limit);
    },
    async markRead(playerId, ids) {
      const updated = await store.transaction((tx) => tx.markRead(playerId, ids));
      return { updated, unread: await store.unreadCount(playerId) };
    },
    async unsubscribe(token) {
      const accountId = (await tokens()).verify(token);
      if (accountId === undefined) throw new DomainError(ErrorReason.INVALID_UNSUBSCRIBE_TOKEN, "the unsubscribe link is not valid (was it copied whole?)");
      return store.transaction(async (tx) => {
        const preferences = (await tx.preferences(accountId)) ?? defaultPreferences;
        if (preferences.emailOptOut) return false;
        await tx.savePreferences(accountId, { ...preferences, emailOptOut: true });
        return true;
      });
    },
  };
}
