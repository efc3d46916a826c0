import { randomUUID } from "node:crypto";
import type pg from "pg";
import { appendToOutbox } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { Acquaintance, ChannelChange, ChannelKindName, ChannelRecord, CharacterRecord, MessageRecord } from "../core/chat-records.js";
import type { ChatReads, ChatStore, ChatTransaction, Subscription } from "../core/chat-store.js";

/** Chat's store in PostgreSQL, and its operations inside a transaction opened elsewhere (the inbox's). */
export interface PgChatStore extends ChatStore {
  within(client: pg.PoolClient): ChatTransaction;
}

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface ChannelRow {
  channel_id: string;
  kind: ChannelKindName;
  scope_id: string;
  display_name: string;
  created_at: Date;
  closed: boolean;
  last_sequence: string;
  revision: string;
  member_ids: string[];
}

interface MessageRow {
  message_id: string;
  channel_id: string;
  sequence: string;
  revision: string;
  sender_character_id: string;
  sender_player_id: string;
  sender_name: string;
  text: string;
  text_hash: string;
  idempotency_key: string;
  sent_at: Date;
  deleted_at: Date | null;
}

// Members are listed only for parties and direct channels: a guild's could be hundreds, and nobody asks.
const channelSelect = `
  SELECT ch.channel_id, ch.kind, ch.scope_id, ch.display_name, ch.created_at, ch.closed_at IS NOT NULL AS closed, ch.last_sequence, ch.revision,
         CASE WHEN ch.kind IN ('party', 'direct')
              THEN ARRAY(SELECT m.character_id::text FROM channel_members m WHERE m.channel_id = ch.channel_id ORDER BY m.joined_at, m.character_id)
              ELSE '{}'::text[] END AS member_ids
  FROM channels ch`;

const messageColumns =
  "message_id, channel_id, sequence, revision, sender_character_id, sender_player_id, sender_name, text, text_hash, idempotency_key, sent_at, deleted_at";

const toChannel = (row: ChannelRow): ChannelRecord => ({
  channelId: row.channel_id,
  kind: row.kind,
  scopeId: row.scope_id,
  displayName: row.display_name,
  createdAt: row.created_at,
  closed: row.closed,
  lastSequence: BigInt(row.last_sequence),
  revision: BigInt(row.revision),
  memberIds: row.member_ids,
});

const toMessage = (row: MessageRow): MessageRecord => ({
  messageId: row.message_id,
  channelId: row.channel_id,
  sequence: BigInt(row.sequence),
  revision: BigInt(row.revision),
  senderCharacterId: row.sender_character_id,
  senderPlayerId: row.sender_player_id,
  senderName: row.sender_name,
  text: row.text,
  textHash: row.text_hash,
  idempotencyKey: row.idempotency_key,
  sentAt: row.sent_at,
  deletedAt: row.deleted_at ?? undefined,
});

/** Whether a character is in a channel, by the channel's kind: world and zone follow from the character, the others from members. */
const memberCondition = `
  (ch.kind = 'world' AND c.character_id IS NOT NULL)
  OR (ch.kind = 'zone' AND ch.scope_id = c.zone_id)
  OR EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = ch.channel_id AND m.character_id = c.character_id)`;

/**
 * The open channels of the characters in $1 (live ones), as (character_id,
 * channel_id) pairs: one indexed lookup per kind of membership, not a scan
 * of every channel per character (there are as many direct channels as
 * pairs of characters who ever talked).
 */
const channelsOfCharacters = `
  SELECT c.character_id, ch.channel_id FROM characters c JOIN channels ch ON ch.kind = 'world' AND ch.scope_id = ''
  WHERE c.character_id = ANY($1::uuid[]) AND c.deleted_at IS NULL
  UNION ALL
  SELECT c.character_id, ch.channel_id FROM characters c JOIN channels ch ON ch.kind = 'zone' AND ch.scope_id = c.zone_id
  WHERE c.character_id = ANY($1::uuid[]) AND c.deleted_at IS NULL
  UNION ALL
  SELECT m.character_id, m.channel_id FROM channel_members m JOIN characters c ON c.character_id = m.character_id AND c.deleted_at IS NULL
  WHERE m.character_id = ANY($1::uuid[])`;

function reads(q: Queryable): ChatReads {
  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R | undefined> => (await q.query<R>(text, values)).rows[0];
  return {
    async character(characterId) {
      const row = await one<{ character_id: string; player_id: string; name: string; zone_id: string | null; deleted: boolean }>(
        "SELECT character_id, player_id, name, zone_id, deleted_at IS NOT NULL AS deleted FROM characters WHERE character_id = $1",
        [characterId],
      );
      return row === undefined
        ? undefined
        : ({ characterId: row.character_id, playerId: row.player_id, name: row.name, zoneId: row.zone_id ?? undefined, deleted: row.deleted } satisfies CharacterRecord);
    },
    async channel(channelId) {
      const row = await one<ChannelRow>(`${channelSelect} WHERE ch.channel_id = $1`, [channelId]);
      return row === undefined ? undefined : toChannel(row);
    },
    async channelsOf(characterId) {
      const { rows } = await q.query<ChannelRow>(
        `${channelSelect} JOIN (${channelsOfCharacters}) mine ON mine.channel_id = ch.channel_id
         WHERE ch.closed_at IS NULL
         ORDER BY array_position(ARRAY['world', 'zone', 'guild', 'party', 'direct'], ch.kind), ch.created_at, ch.channel_id`,
        [[characterId]],
      );
      return rows.map(toChannel);
    },
    async isMember(channel, characterId) {
      const row = await one<{ member: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM channels ch JOIN characters c ON c.character_id = $2 AND c.deleted_at IS NULL
                        WHERE ch.channel_id = $1 AND ch.closed_at IS NULL AND (${memberCondition})) AS member`,
        [channel.channelId, characterId],
      );
      return row?.member === true;
    },
    async message(messageId) {
      const row = await one<MessageRow>(`SELECT ${messageColumns} FROM messages WHERE message_id = $1`, [messageId]);
      return row === undefined ? undefined : toMessage(row);
    },
    async messageByKey(senderCharacterId, idempotencyKey) {
      const row = await one<MessageRow>(`SELECT ${messageColumns} FROM messages WHERE sender_character_id = $1 AND idempotency_key = $2 AND idempotency_key <> ''`, [
        senderCharacterId,
        idempotencyKey,
      ]);
      return row === undefined ? undefined : toMessage(row);
    },
    async history(channelId, beforeSequence, limit, hiddenSenders) {
      const { rows } = await q.query<MessageRow>(
        `SELECT ${messageColumns} FROM messages
         WHERE channel_id = $1 AND ($2::bigint IS NULL OR sequence < $2) AND NOT (sender_character_id = ANY($3::uuid[]))
         ORDER BY sequence DESC LIMIT $4`,
        [channelId, beforeSequence?.toString() ?? null, hiddenSenders, limit],
      );
      return rows.map(toMessage);
    },
    async changesAfter(channelId, revision, limit) {
      const { rows } = await q.query<MessageRow>(`SELECT ${messageColumns} FROM messages WHERE channel_id = $1 AND revision > $2 ORDER BY revision LIMIT $3`, [
        channelId,
        revision.toString(),
        limit,
      ]);
      return rows.map((row): ChannelChange => {
        const message = toMessage(row);
        return { kind: message.deletedAt === undefined ? "posted" : "deleted", message, revision: message.revision };
      });
    },
    async activeMute(playerId, channelId) {
      const row = await one<{ player_id: string; channel_id: string | null; until: Date }>(
        `SELECT player_id, channel_id, until FROM mutes WHERE player_id = $1 AND until > now() AND (channel_id IS NULL OR channel_id = $2)
         ORDER BY until DESC LIMIT 1`,
        [playerId, channelId],
      );
      return row === undefined ? undefined : { playerId: row.player_id, channelId: row.channel_id ?? undefined, until: row.until };
    },
    async blockedBy(characterId) {
      const { rows } = await q.query<{ id: string }>("SELECT blocked_character_id AS id FROM blocks WHERE character_id = $1", [characterId]);
      return rows.map((r) => r.id);
    },
    async blockedEitherWay(a, b) {
      const row = await one<{ blocked: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM blocks WHERE (character_id = $1 AND blocked_character_id = $2) OR (character_id = $2 AND blocked_character_id = $1)) AS blocked`,
        [a, b],
      );
      return row?.blocked === true;
    },
    async acquaintances(characterId) {
      const { rows } = await q.query<{ character_id: string; name: string; guild_member: boolean; friend: boolean }>(
        `WITH mates AS (
           SELECT m2.character_id FROM channel_members m JOIN channels ch ON ch.channel_id = m.channel_id AND ch.kind = 'guild' AND ch.closed_at IS NULL
           JOIN channel_members m2 ON m2.channel_id = m.channel_id WHERE m.character_id = $1 AND m2.character_id <> $1
         ), pals AS (SELECT friend_character_id AS character_id FROM friends WHERE character_id = $1)
         SELECT c.character_id, c.name, c.character_id IN (SELECT character_id FROM mates) AS guild_member, c.character_id IN (SELECT character_id FROM pals) AS friend
         FROM characters c WHERE c.deleted_at IS NULL AND (c.character_id IN (SELECT character_id FROM mates) OR c.character_id IN (SELECT character_id FROM pals))
         ORDER BY lower(c.name), c.character_id`,
        [characterId],
      );
      return rows.map((r): Acquaintance => ({ characterId: r.character_id, name: r.name, guildMember: r.guild_member, friend: r.friend }));
    },
    async friends(characterId) {
      const { rows } = await q.query<{ character_id: string; name: string }>(
        `SELECT c.character_id, c.name FROM friends f JOIN characters c ON c.character_id = f.friend_character_id
         WHERE f.character_id = $1 AND c.deleted_at IS NULL ORDER BY lower(c.name), c.character_id`,
        [characterId],
      );
      return rows.map((r): Acquaintance => ({ characterId: r.character_id, name: r.name, guildMember: false, friend: true }));
    },
    async ownedBy(playerId, characterIds) {
      const { rows } = await q.query<{ id: string }>(
        "SELECT character_id AS id FROM characters WHERE player_id = $1 AND character_id = ANY($2::uuid[]) AND deleted_at IS NULL",
        [playerId, characterIds],
      );
      return rows.map((r) => r.id);
    },
    async subscriptions(characterIds) {
      const { rows } = await q.query<{ character_id: string; channel_id: string; kind: ChannelKindName; revision: string }>(
        `SELECT mine.character_id, ch.channel_id, ch.kind, ch.revision FROM (${channelsOfCharacters}) mine
         JOIN channels ch ON ch.channel_id = mine.channel_id AND ch.closed_at IS NULL`,
        [characterIds],
      );
      const found = new Map<string, Map<string, Subscription>>();
      for (const row of rows) {
        const channels = found.get(row.character_id) ?? new Map<string, Subscription>();
        channels.set(row.channel_id, { kind: row.kind, revision: BigInt(row.revision) });
        found.set(row.character_id, channels);
      }
      return found;
    },
  };
}

function transaction(client: pg.PoolClient, source: string): ChatTransaction {
  const read = reads(client);
  const lockedChannel = async (channelId: string) => {
    const { rows } = await client.query<ChannelRow>(`${channelSelect} WHERE ch.channel_id = $1 FOR UPDATE OF ch`, [channelId]);
    return rows[0] === undefined ? undefined : toChannel(rows[0]);
  };
  return {
    ...read,
    async recordCharacter(c) {
      // A redelivered or late CharacterCreated must not move a character back to where it started.
      await client.query(
        `INSERT INTO characters (character_id, player_id, name, zone_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (character_id) DO UPDATE SET player_id = excluded.player_id, name = excluded.name, zone_id = coalesce(characters.zone_id, excluded.zone_id)`,
        [c.characterId, c.playerId, c.name, c.zoneId ?? null],
      );
    },
    async moveCharacter(characterId, zoneId) {
      await client.query("UPDATE characters SET zone_id = $2 WHERE character_id = $1", [characterId, zoneId]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = coalesce(deleted_at, now()) WHERE character_id = $1", [characterId]);
      await client.query("DELETE FROM channel_members WHERE character_id = $1", [characterId]);
    },
    async ensureChannel(kind, scopeId, displayName) {
      const inserted = await client.query<{ channel_id: string }>(
        `INSERT INTO channels (channel_id, kind, scope_id, display_name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, scope_id) WHERE kind <> 'party' DO NOTHING RETURNING channel_id`,
        [randomUUID(), kind, scopeId, displayName],
      );
      const { rows } = await client.query<ChannelRow>(`${channelSelect} WHERE ch.kind = $1 AND ch.scope_id = $2`, [kind, scopeId]);
      return { channel: toChannel(rows[0]!), created: inserted.rowCount === 1 };
    },
    async createParty(channelId, displayName) {
      await client.query("INSERT INTO channels (channel_id, kind, scope_id, display_name) VALUES ($1, 'party', '', $2)", [channelId, displayName]);
      return (await read.channel(channelId))!;
    },
    lockChannel: lockedChannel,
    async closeChannel(channelId) {
      await client.query("UPDATE channels SET closed_at = coalesce(closed_at, now()) WHERE channel_id = $1", [channelId]);
    },
    async addMember(channelId, characterId) {
      await client.query("INSERT INTO channel_members (channel_id, character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [channelId, characterId]);
    },
    async removeMember(channelId, characterId) {
      await client.query("DELETE FROM channel_members WHERE channel_id = $1 AND character_id = $2", [channelId, characterId]);
    },
    async removeAllMembers(channelId) {
      await client.query("DELETE FROM channel_members WHERE channel_id = $1", [channelId]);
    },
    async memberCount(channelId) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM channel_members WHERE channel_id = $1", [channelId]);
      return rows[0]?.n ?? 0;
    },
    async invite(channelId, characterId, invitedBy) {
      await client.query(
        `INSERT INTO party_invites (channel_id, character_id, invited_by_character_id) VALUES ($1, $2, $3)
         ON CONFLICT (channel_id, character_id) DO UPDATE SET invited_by_character_id = excluded.invited_by_character_id, created_at = now()`,
        [channelId, characterId, invitedBy],
      );
    },
    async takeInvite(channelId, characterId) {
      const { rowCount } = await client.query("DELETE FROM party_invites WHERE channel_id = $1 AND character_id = $2", [channelId, characterId]);
      return rowCount === 1;
    },
    async insertMessage(m) {
      // The counter row is locked by the caller (lockChannel): concurrent posts to one channel take numbers one
      // after the other, in commit order, and a rolled-back post gives its number back.
      const { rows } = await client.query<MessageRow>(
        `WITH counter AS (
           UPDATE channels SET last_sequence = last_sequence + 1, revision = revision + 1 WHERE channel_id = $2 RETURNING last_sequence, revision
         )
         INSERT INTO messages (message_id, channel_id, sequence, revision, sender_character_id, sender_player_id, sender_name, text, text_hash, idempotency_key)
         SELECT $1, $2, counter.last_sequence, counter.revision, $3, $4, $5, $6, $7, $8 FROM counter
         RETURNING ${messageColumns}`,
        [m.messageId, m.channelId, m.senderCharacterId, m.senderPlayerId, m.senderName, m.text, m.textHash, m.idempotencyKey],
      );
      return toMessage(rows[0]!);
    },
    async deleteMessage(messageId, by, reason) {
      const { rows } = await client.query<MessageRow>(
        `WITH counter AS (
           UPDATE channels SET revision = revision + 1 WHERE channel_id = (SELECT channel_id FROM messages WHERE message_id = $1) RETURNING revision
         )
         UPDATE messages SET text = '', deleted_at = now(), deleted_by = $2, delete_reason = $3, revision = counter.revision FROM counter
         WHERE message_id = $1 RETURNING ${messageColumns.split(", ").map((c) => `messages.${c}`).join(", ")}`,
        [messageId, by, reason],
      );
      return toMessage(rows[0]!);
    },
    async mute(m) {
      await client.query("INSERT INTO mutes (mute_id, player_id, channel_id, until, reason, muted_by) VALUES ($1, $2, $3, $4, $5, $6)", [
        m.muteId,
        m.playerId,
        m.channelId ?? null,
        m.until,
        m.reason,
        m.by,
      ]);
    },
    async report(r) {
      const { rowCount } = await client.query(
        "INSERT INTO reports (report_id, message_id, reporter_character_id, reason) VALUES ($1, $2, $3, $4) ON CONFLICT (message_id, reporter_character_id) DO NOTHING",
        [r.reportId, r.messageId, r.reporterCharacterId, r.reason],
      );
      return rowCount === 1;
    },
    async block(characterId, blockedCharacterId) {
      const { rowCount } = await client.query("INSERT INTO blocks (character_id, blocked_character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
        characterId,
        blockedCharacterId,
      ]);
      return rowCount === 1;
    },
    async unblock(characterId, blockedCharacterId) {
      await client.query("DELETE FROM blocks WHERE character_id = $1 AND blocked_character_id = $2", [characterId, blockedCharacterId]);
    },
    async addFriend(characterId, friendCharacterId) {
      await client.query("INSERT INTO friends (character_id, friend_character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [characterId, friendCharacterId]);
    },
    async removeFriend(characterId, friendCharacterId) {
      await client.query("DELETE FROM friends WHERE character_id = $1 AND friend_character_id = $2", [characterId, friendCharacterId]);
    },
    async friendCount(characterId) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM friends WHERE character_id = $1", [characterId]);
      return rows[0]?.n ?? 0;
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  };
}

/** Creates the store over the service's database; `source` is its SPIFFE ID (ce_source of its events). */
export function createChatStore(db: Database, source: string): PgChatStore {
  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(transaction(client, source))),
    within: (client) => transaction(client, source),
  };
}
