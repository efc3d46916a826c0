import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import { CategoryChannelsSchema, PreferencesSchema, QuietHoursSchema, WebhookScope, type Preferences } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { actsAsAdmin, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { Deliveries } from "../core/deliveries.js";
import { channelName, deliveryChannel, deliveryStatusOf, toDelivery, toNotification, toWebhook } from "../core/notification-message.js";
import type { DeliveryOwner } from "../core/notification-store.js";
import type { Notifications } from "../core/notifications.js";
import { allChannels } from "../core/preferences.js";
import type { PreferencesRecord } from "../core/records.js";
import type { WebhookCaller, WebhookOwner, Webhooks } from "../core/webhooks.js";
import { decodeCursor, encodeCursor } from "./page-token.js";

/** Listings without a page size get this many rows per page. */
const defaultPageSize = 20;

/** Whose webhooks and deliveries a call is about: the player's own, or (an admin only) the studio's. */
function ownerOf(context: HandlerContext, scope: WebhookScope): WebhookOwner {
  if (scope !== WebhookScope.STUDIO) return { scope: "player", playerId: requirePrincipal(context).subject };
  if (!actsAsAdmin(context)) {
    if (principalOf(context) === undefined) requirePrincipal(context);
    throw new DomainError(ErrorReason.ADMIN_REQUIRED, "studio webhooks are managed by admins");
  }
  return { scope: "studio" };
}

const deliveryOwnerOf = (owner: WebhookOwner): DeliveryOwner => (owner.scope === "player" ? { kind: "player", playerId: owner.playerId } : { kind: "studio" });

/** Every player's deliveries and the studio's: an admin's view. */
function everyone(context: HandlerContext): DeliveryOwner {
  if (!actsAsAdmin(context)) {
    if (principalOf(context) === undefined) requirePrincipal(context);
    throw new DomainError(ErrorReason.ADMIN_REQUIRED, "every player's deliveries are an admin's to see");
  }
  return { kind: "all" };
}

/** Who acts on an existing webhook: an authenticated player (perhaps an admin), or the operator with no end user. */
function callerOfWebhooks(context: HandlerContext): WebhookCaller {
  const admin = actsAsAdmin(context);
  return { playerId: admin && principalOf(context) === undefined ? undefined : requirePrincipal(context).subject, admin };
}

function toPreferences(record: PreferencesRecord): Preferences {
  return create(PreferencesSchema, {
    categories: [...allChannels(record)].map(([category, channels]) => create(CategoryChannelsSchema, { category, channels: channels.map(deliveryChannel) })),
    quietHours: record.quietHours === undefined ? undefined : create(QuietHoursSchema, record.quietHours),
    timeZone: record.timeZone,
    emailOptOut: record.emailOptOut,
  });
}

/** Pages of `items`, fetched one longer than the page to tell whether another follows. */
function page<T extends { createdAt: Date }>(found: T[], pageSize: number, scope: string, idOf: (item: T) => string): { items: T[]; next: string } {
  const items = found.slice(0, pageSize);
  const last = items.at(-1);
  return { items, next: found.length > pageSize && last !== undefined ? encodeCursor(scope, { createdAt: last.createdAt, id: idOf(last) }) : "" };
}

/** The public API: an authenticated player's notification centre, preferences, webhooks and deliveries; admins manage the studio's webhooks. */
export function createNotificationHandlers(notifications: Notifications, webhooks: Webhooks, deliveries: Deliveries): ServiceImpl<typeof NotificationService> {
  return {
    async getPreferences(_, context) {
      return { preferences: toPreferences(await notifications.preferences(requirePrincipal(context).subject)) };
    },
    async updatePreferences(request, context) {
      const { subject } = requirePrincipal(context);
      const wanted = request.preferences!;
      const stored = await notifications.updatePreferences(subject, {
        channels: wanted.categories.map((c) => ({ category: c.category, channels: c.channels.map(channelName) })),
        quietHours: wanted.quietHours === undefined ? undefined : { start: wanted.quietHours.start, end: wanted.quietHours.end },
        timeZone: wanted.timeZone,
        emailOptOut: wanted.emailOptOut,
      });
      return { preferences: toPreferences(stored) };
    },
    async listNotifications(request, context) {
      const { subject } = requirePrincipal(context);
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const scope = `notifications:${subject}:${request.unreadOnly ? "unread" : "all"}`;
      const { notifications: found, unread } = await notifications.list(subject, request.unreadOnly, decodeCursor(scope, request.pageToken), pageSize + 1);
      const { items, next } = page(found, pageSize, scope, (n) => n.notificationId);
      return { notifications: items.map(toNotification), nextPageToken: next, unreadCount: unread };
    },
    async markNotificationsRead(request, context) {
      const { subject } = requirePrincipal(context);
      if (request.all === (request.notificationIds.length > 0)) {
        throw new ConnectError("name notification_ids or set all, not both and not neither", Code.InvalidArgument);
      }
      const { updated, unread } = await notifications.markRead(subject, request.all ? "all" : request.notificationIds);
      return { updatedCount: updated, unreadCount: unread };
    },
    async registerWebhook(request, context) {
      const { webhook, secret } = await webhooks.register(ownerOf(context, request.scope), request.url, request.categories);
      return { webhook: toWebhook(webhook), secret };
    },
    async listWebhooks(request, context) {
      return { webhooks: (await webhooks.list(ownerOf(context, request.scope))).map(toWebhook) };
    },
    async rotateWebhookSecret(request, context) {
      const { webhook, secret } = await webhooks.rotate(callerOfWebhooks(context), request.webhookId);
      return { webhook: toWebhook(webhook), secret };
    },
    async deleteWebhook(request, context) {
      await webhooks.delete(callerOfWebhooks(context), request.webhookId);
      return {};
    },
    async listDeliveries(request, context) {
      const whose = request.allPlayers ? everyone(context) : deliveryOwnerOf(ownerOf(context, request.scope));
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const statuses = request.states.map(deliveryStatusOf);
      const scope = `deliveries:${whose.kind === "player" ? whose.playerId : whose.kind}:${statuses.join(",")}:${request.notificationId}`;
      const found = await deliveries.list({ whose, statuses, notificationId: request.notificationId || undefined }, decodeCursor(scope, request.pageToken), pageSize + 1);
      const { items, next } = page(found, pageSize, scope, (d) => d.deliveryId);
      return { deliveries: items.map(toDelivery), nextPageToken: next };
    },
    async replayDelivery(request, context) {
      const admin = actsAsAdmin(context);
      const viewer = { admin, playerId: admin ? principalOf(context)?.subject : requirePrincipal(context).subject };
      return { delivery: toDelivery(await deliveries.replay(request.deliveryId, viewer)) };
    },
    async unsubscribe(request) {
      return { changed: await notifications.unsubscribe(request.token) };
    },
  };
}
