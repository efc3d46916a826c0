import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import type { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { appendToOutbox, enqueueJobs } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { DeliveryJobs, NotificationStore, NotificationTransaction } from "../core/notification-store.js";
import type { ChannelName, CharacterRecord, DeliveryRecord, DeliveryStatus, NotificationRecord, PreferencesRecord, WebhookRecord } from "../core/records.js";

type Queryable = pg.ClientBase | pg.Pool;

interface PreferencesRow {
  channels: Record<string, ChannelName[]>;
  quiet_start: string | null;
  quiet_end: string | null;
  time_zone: string;
  email_opt_out: boolean;
}

interface NotificationRow {
  notification_id: string;
  player_id: string;
  category: number;
  kind: string;
  title: string;
  body: string;
  link: string;
  character_id: string;
  source_event_id: string;
  in_app: boolean;
  read_at: Date | null;
  created_at: Date;
}

interface WebhookRow {
  webhook_id: string;
  scope: "player" | "studio";
  player_id: string | null;
  url: string;
  categories: number[];
  created_at: Date;
  deleted_at: Date | null;
  secrets: string[] | null;
}

interface DeliveryRow {
  delivery_id: string;
  notification_id: string;
  player_id: string;
  category: number;
  channel: "email" | "webhook";
  target: string;
  studio: boolean;
  state: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  due_at: Date;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toPreferences = (row: PreferencesRow): PreferencesRecord => ({
  channels: new Map(Object.entries(row.channels).map(([category, channels]) => [Number(category) as Category, channels])),
  quietHours: row.quiet_start === null || row.quiet_end === null ? undefined : { start: row.quiet_start, end: row.quiet_end },
  timeZone: row.time_zone,
  emailOptOut: row.email_opt_out,
});

const toNotification = (row: NotificationRow): NotificationRecord => ({
  notificationId: row.notification_id,
  playerId: row.player_id,
  category: row.category as Category,
  kind: row.kind,
  title: row.title,
  body: row.body,
  link: row.link,
  characterId: row.character_id,
  sourceEventId: row.source_event_id,
  inApp: row.in_app,
  readAt: row.read_at ?? undefined,
  createdAt: row.created_at,
});

const toWebhook = (row: WebhookRow): WebhookRecord => ({
  webhookId: row.webhook_id,
  scope: row.scope,
  playerId: row.player_id ?? undefined,
  url: row.url,
  categories: row.categories as Category[],
  createdAt: row.created_at,
  deleted: row.deleted_at !== null,
  secrets: row.secrets ?? [],
});

const toDelivery = (row: DeliveryRow): DeliveryRecord => ({
  deliveryId: row.delivery_id,
  notificationId: row.notification_id,
  playerId: row.player_id,
  category: row.category as Category,
  channel: row.channel,
  target: row.target,
  studio: row.studio,
  status: row.state,
  attempts: row.attempts,
  lastError: row.last_error ?? undefined,
  dueAt: row.due_at,
  deliveredAt: row.delivered_at ?? undefined,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

// A webhook with its secrets still valid, newest first.
const webhookSelect = `SELECT w.*, (SELECT array_agg(s.secret ORDER BY s.created_at DESC) FROM webhook_secrets s
    WHERE s.webhook_id = w.webhook_id AND (s.expires_at IS NULL OR s.expires_at > now())) AS secrets
  FROM webhooks w`;

/** Notification's store in PostgreSQL; `source` is the ce_source of its events. */
export function createNotificationStore(db: Database, source: string): NotificationStore & { within(client: pg.PoolClient): NotificationTransaction } {
  const preferencesOf = async (q: Queryable, playerId: string, lock: boolean) => {
    const { rows } = await q.query<PreferencesRow>(
      `SELECT channels, quiet_start, quiet_end, time_zone, email_opt_out FROM preferences WHERE player_id = $1${lock ? " FOR UPDATE" : ""}`,
      [playerId],
    );
    return rows[0] === undefined ? undefined : toPreferences(rows[0]);
  };
  const notificationOf = async (q: Queryable, notificationId: string) => {
    const { rows } = await q.query<NotificationRow>("SELECT * FROM notifications WHERE notification_id = $1", [notificationId]);
    return rows[0] === undefined ? undefined : toNotification(rows[0]);
  };
  const webhookOf = async (q: Queryable, webhookId: string, lock: boolean) => {
    const { rows } = await q.query<WebhookRow>(`${webhookSelect} WHERE w.webhook_id = $1${lock ? " FOR UPDATE OF w" : ""}`, [webhookId]);
    return rows[0] === undefined ? undefined : toWebhook(rows[0]);
  };
  const deliveryOf = async (q: Queryable, deliveryId: string, lock: boolean) => {
    const { rows } = await q.query<DeliveryRow>(`SELECT * FROM deliveries WHERE delivery_id = $1${lock ? " FOR UPDATE" : ""}`, [deliveryId]);
    return rows[0] === undefined ? undefined : toDelivery(rows[0]);
  };

  const within = (client: pg.PoolClient): NotificationTransaction => ({
    async recordCharacter(character) {
      await client.query("INSERT INTO characters (character_id, player_id, name) VALUES ($1, $2, $3) ON CONFLICT (character_id) DO NOTHING", [
        character.characterId,
        character.playerId,
        character.name,
      ]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
    },
    async character(characterId) {
      const { rows } = await client.query<{ character_id: string; player_id: string; name: string; deleted_at: Date | null }>(
        "SELECT character_id, player_id, name, deleted_at FROM characters WHERE character_id = $1",
        [characterId],
      );
      const row = rows[0];
      return row === undefined ? undefined : ({ characterId: row.character_id, playerId: row.player_id, name: row.name, deleted: row.deleted_at !== null } satisfies CharacterRecord);
    },
    async recordAccount(accountId, email) {
      await client.query("INSERT INTO accounts (account_id, email) VALUES ($1, $2) ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email", [accountId, email]);
    },
    preferences: (playerId) => preferencesOf(client, playerId, true),
    async savePreferences(playerId, preferences) {
      await client.query(
        `INSERT INTO preferences (player_id, channels, quiet_start, quiet_end, time_zone, email_opt_out) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (player_id) DO UPDATE SET channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
           time_zone = EXCLUDED.time_zone, email_opt_out = EXCLUDED.email_opt_out, updated_at = now()`,
        [
          playerId,
          JSON.stringify(Object.fromEntries(preferences.channels)),
          preferences.quietHours?.start ?? null,
          preferences.quietHours?.end ?? null,
          preferences.timeZone,
          preferences.emailOptOut,
        ],
      );
    },
    async insertNotification(n) {
      const result = await client.query(
        `INSERT INTO notifications (notification_id, player_id, category, kind, title, body, link, character_id, source_event_id, in_app, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (source_event_id, player_id) DO NOTHING`,
        [n.notificationId, n.playerId, n.category, n.kind, n.title, n.body, n.link, n.characterId, n.sourceEventId, n.inApp, n.createdAt],
      );
      return result.rowCount === 1;
    },
    async markRead(playerId, ids) {
      const result =
        ids === "all"
          ? await client.query("UPDATE notifications SET read_at = now() WHERE player_id = $1 AND in_app AND read_at IS NULL", [playerId])
          : await client.query("UPDATE notifications SET read_at = now() WHERE player_id = $1 AND in_app AND read_at IS NULL AND notification_id = ANY($2::uuid[])", [
              playerId,
              ids,
            ]);
      return result.rowCount ?? 0;
    },
    async webhooksFor(playerId, category) {
      const { rows } = await client.query<WebhookRow>(
        `${webhookSelect} WHERE w.deleted_at IS NULL AND $2 = ANY(w.categories) AND (w.player_id = $1 OR w.scope = 'studio') ORDER BY w.created_at`,
        [playerId, category],
      );
      return rows.map(toWebhook);
    },
    async countWebhooks(playerId) {
      // A lock per player until commit (a player's first webhook has no row to lock), so two registrations are counted one after the other.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('webhooks:' || $1))", [playerId]);
      const { rows } = await client.query<{ live: number }>("SELECT count(*)::int AS live FROM webhooks WHERE player_id = $1 AND deleted_at IS NULL", [playerId]);
      return rows[0]?.live ?? 0;
    },
    async insertWebhook(w) {
      await client.query("INSERT INTO webhooks (webhook_id, scope, player_id, url, categories, created_at) VALUES ($1, $2, $3, $4, $5, $6)", [
        w.webhookId,
        w.scope,
        w.playerId ?? null,
        w.url,
        w.categories,
        w.createdAt,
      ]);
    },
    lockWebhook: (webhookId) => webhookOf(client, webhookId, true),
    async addSecret(webhookId, secret, retireOthersAt) {
      if (retireOthersAt !== undefined) {
        await client.query("UPDATE webhook_secrets SET expires_at = $2 WHERE webhook_id = $1 AND (expires_at IS NULL OR expires_at > $2)", [webhookId, retireOthersAt]);
      }
      await client.query("INSERT INTO webhook_secrets (secret_id, webhook_id, secret) VALUES ($1, $2, $3)", [randomUUID(), webhookId, secret]);
    },
    async deleteWebhook(webhookId) {
      await client.query("UPDATE webhooks SET deleted_at = now() WHERE webhook_id = $1", [webhookId]);
    },
    async insertDelivery(d) {
      await client.query(
        `INSERT INTO deliveries (delivery_id, notification_id, player_id, category, channel, target, studio, state, attempts, due_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (notification_id, channel, target) DO NOTHING`,
        [d.deliveryId, d.notificationId, d.playerId, d.category, d.channel, d.target, d.studio, d.status, d.attempts, d.dueAt, d.createdAt],
      );
    },
    lockDelivery: (deliveryId) => deliveryOf(client, deliveryId, true),
    async updateDelivery(deliveryId, change) {
      const { rows } = await client.query<DeliveryRow>(
        `UPDATE deliveries SET state = $2, attempts = coalesce($3, attempts),
           last_error = CASE WHEN $4::boolean THEN $5 ELSE last_error END,
           due_at = coalesce($6, due_at), delivered_at = coalesce($7, delivered_at), updated_at = clock_timestamp()
         WHERE delivery_id = $1 RETURNING *`,
        [deliveryId, change.status, change.attempts ?? null, change.lastError !== undefined, change.lastError ?? null, change.dueAt ?? null, change.deliveredAt ?? null],
      );
      if (rows[0] === undefined) throw new Error(`delivery ${deliveryId} is not there to update`);
      return toDelivery(rows[0]);
    },
    notification: (notificationId) => notificationOf(client, notificationId),
    webhook: (webhookId) => webhookOf(client, webhookId, false),
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
    scheduleDelivery: (deliveryId, dueAt) => enqueueJobs<DeliveryJobs>(client, [{ key: `deliver:${deliveryId}`, kind: "deliver", payload: { deliveryId }, dueAt }]),
  });

  return {
    preferences: (playerId) => preferencesOf(db.pool, playerId, false),
    async listNotifications(playerId, unreadOnly, cursor, limit) {
      // One statement, one snapshot: the count beside the page, on a row of its own when the page is empty.
      const { rows } = await db.pool.query<Partial<NotificationRow> & { unread: number }>(
        `WITH page AS (
           SELECT * FROM notifications WHERE player_id = $1 AND in_app AND (NOT $2 OR read_at IS NULL)
             AND ($3::timestamptz IS NULL OR (created_at, notification_id) < ($3, $4::uuid))
           ORDER BY created_at DESC, notification_id DESC LIMIT $5)
         SELECT page.*, counted.unread
         FROM (SELECT count(*)::int AS unread FROM notifications WHERE player_id = $1 AND in_app AND read_at IS NULL) counted
         LEFT JOIN page ON true
         ORDER BY page.created_at DESC, page.notification_id DESC`,
        [playerId, unreadOnly, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
      );
      const notifications = rows.filter((row): row is NotificationRow & { unread: number } => row.notification_id != null).map(toNotification);
      return { notifications, unread: rows[0]?.unread ?? 0 };
    },
    async unreadCount(playerId) {
      const { rows } = await db.pool.query<{ unread: number }>("SELECT count(*)::int AS unread FROM notifications WHERE player_id = $1 AND in_app AND read_at IS NULL", [playerId]);
      return rows[0]?.unread ?? 0;
    },
    async webhooks(playerId) {
      const { rows } =
        playerId === undefined
          ? await db.pool.query<WebhookRow>(`${webhookSelect} WHERE w.deleted_at IS NULL AND w.scope = 'studio' ORDER BY w.created_at`)
          : await db.pool.query<WebhookRow>(`${webhookSelect} WHERE w.deleted_at IS NULL AND w.player_id = $1 ORDER BY w.created_at`, [playerId]);
      return rows.map(toWebhook);
    },
    webhook: (webhookId) => webhookOf(db.pool, webhookId, false),
    delivery: (deliveryId) => deliveryOf(db.pool, deliveryId, false),
    async listDeliveries(filter, cursor, limit) {
      // Two statements, so each matches its partial index (a player's own, or the studio's).
      const whose = { player: "NOT studio AND player_id = $1", studio: "studio AND $1::text IS NULL", all: "$1::text IS NULL" }[filter.whose.kind];
      const { rows } = await db.pool.query<DeliveryRow>(
        `SELECT * FROM deliveries
         WHERE ${whose}
           AND (cardinality($2::text[]) = 0 OR state = ANY($2::text[]))
           AND ($3::uuid IS NULL OR notification_id = $3)
           AND ($4::timestamptz IS NULL OR (created_at, delivery_id) < ($4, $5::uuid))
         ORDER BY created_at DESC, delivery_id DESC LIMIT $6`,
        [filter.whose.kind === "player" ? filter.whose.playerId : null, filter.statuses, filter.notificationId ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, limit],
      );
      return rows.map(toDelivery);
    },
    async emailOf(accountId) {
      const { rows } = await db.pool.query<{ email: string }>("SELECT email FROM accounts WHERE account_id = $1", [accountId]);
      return rows[0]?.email;
    },
    async serviceKey(name) {
      await db.pool.query("INSERT INTO service_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [name, randomBytes(32).toString("base64")]);
      const { rows } = await db.pool.query<{ key: string }>("SELECT key FROM service_keys WHERE name = $1", [name]);
      return Buffer.from(rows[0]!.key, "base64");
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
