import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { GuildJoinPolicy, GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { appendToOutbox, enqueueJobs } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { GuildJobPayloads } from "../core/guild-jobs.js";
import type {
  BankTransferRecord,
  CharacterRecord,
  GuildRecord,
  GuildStateName,
  InviteRecord,
  InviteStateName,
  JoinRequestRecord,
  JoinRequestStateName,
  MemberRecord,
  Page,
  RoleKind,
  RoleRecord,
  TransferDirection,
} from "../core/guild-records.js";
import type { GuildReads, GuildStore, GuildTransaction, RoleWrite } from "../core/guild-store.js";

/** Guild's store in PostgreSQL, and its operations inside a transaction opened elsewhere (the inbox's). */
export interface PgGuildStore extends GuildStore {
  within(client: pg.PoolClient): GuildTransaction;
}

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface GuildRow {
  guild_id: string;
  name: string;
  tag: string;
  description: string;
  join_policy: number;
  state: GuildStateName;
  leader_character_id: string;
  founder_character_id: string;
  creation_key: string;
  fee: string;
  created_at: Date;
  disband_amount: string | null;
  returned_gold: string | null;
  unreturned_gold: string | null;
  member_count: number;
}

interface RoleRow {
  role_id: string;
  guild_id: string;
  role_name: string;
  rank: number;
  kind: RoleKind;
  permissions: number[];
  daily_withdrawal_limit: string;
}

interface MemberRow extends RoleRow {
  member_guild_id: string;
  character_id: string;
  character_name: string;
  joined_at: Date;
  seq: string;
}

interface InviteRow {
  invite_id: string;
  guild_id: string;
  guild_name: string;
  guild_tag: string;
  character_id: string;
  character_name: string;
  invited_by_character_id: string;
  invited_by_character_name: string;
  state: InviteStateName;
  created_at: Date;
  expires_at: Date;
  lapsed: boolean;
  seq: string;
}

interface JoinRequestRow {
  join_request_id: string;
  guild_id: string;
  character_id: string;
  character_name: string;
  message: string;
  state: JoinRequestStateName;
  decided_by_character_id: string | null;
  created_at: Date;
  seq: string;
}

interface TransferRow {
  transfer_id: string;
  guild_id: string;
  character_id: string;
  direction: TransferDirection;
  amount: string;
  idempotency_key: string;
  state: "pending" | "completed";
  created_at: Date;
  transaction_id: string | null;
  bank_balance_after: string | null;
  wallet_balance_after: string | null;
}

const guildSelect = `
  SELECT g.guild_id, g.name, g.tag, g.description, g.join_policy, g.state, g.leader_character_id, g.founder_character_id,
         g.creation_key, g.fee, g.created_at, g.disband_amount, g.returned_gold, g.unreturned_gold,
         (SELECT count(*) FROM members m WHERE m.guild_id = g.guild_id)::int AS member_count
  FROM guilds g`;

const roleColumns = "r.role_id, r.guild_id, r.name AS role_name, r.rank, r.kind, r.permissions, r.daily_withdrawal_limit";

const memberSelect = `
  SELECT m.guild_id AS member_guild_id, m.character_id, coalesce(c.name, '') AS character_name, m.joined_at, m.seq, ${roleColumns}
  FROM members m JOIN guild_roles r ON r.role_id = m.role_id LEFT JOIN characters c ON c.character_id = m.character_id`;

const inviteSelect = `
  SELECT i.invite_id, i.guild_id, g.name AS guild_name, g.tag AS guild_tag, i.character_id, coalesce(c.name, '') AS character_name,
         i.invited_by_character_id, coalesce(b.name, '') AS invited_by_character_name, i.state, i.created_at, i.expires_at,
         (i.state = 'pending' AND i.expires_at <= now()) AS lapsed, i.seq
  FROM invites i JOIN guilds g ON g.guild_id = i.guild_id
  LEFT JOIN characters c ON c.character_id = i.character_id LEFT JOIN characters b ON b.character_id = i.invited_by_character_id`;

const joinRequestSelect = `
  SELECT j.join_request_id, j.guild_id, j.character_id, coalesce(c.name, '') AS character_name, j.message, j.state,
         j.decided_by_character_id, j.created_at, j.seq
  FROM join_requests j LEFT JOIN characters c ON c.character_id = j.character_id`;

const transferColumns =
  "transfer_id, guild_id, character_id, direction, amount, idempotency_key, state, created_at, transaction_id, bank_balance_after, wallet_balance_after";

const toGuild = (row: GuildRow): GuildRecord => ({
  guildId: row.guild_id,
  name: row.name,
  tag: row.tag,
  description: row.description,
  joinPolicy: row.join_policy as GuildJoinPolicy,
  state: row.state,
  leaderCharacterId: row.leader_character_id,
  founderCharacterId: row.founder_character_id,
  creationKey: row.creation_key,
  fee: BigInt(row.fee),
  createdAt: row.created_at,
  memberCount: row.member_count,
  disbandAmount: row.disband_amount === null ? undefined : BigInt(row.disband_amount),
  returnedGold: BigInt(row.returned_gold ?? "0"),
  unreturnedGold: BigInt(row.unreturned_gold ?? "0"),
});

const toRole = (row: RoleRow): RoleRecord => ({
  roleId: row.role_id,
  guildId: row.guild_id,
  name: row.role_name,
  rank: row.rank,
  kind: row.kind,
  permissions: row.permissions as GuildPermission[],
  dailyWithdrawalLimit: BigInt(row.daily_withdrawal_limit),
});

const toMember = (row: MemberRow): MemberRecord => ({
  guildId: row.member_guild_id,
  characterId: row.character_id,
  characterName: row.character_name,
  role: toRole(row),
  joinedAt: row.joined_at,
});

const toInvite = (row: InviteRow): InviteRecord => ({
  inviteId: row.invite_id,
  guildId: row.guild_id,
  guildName: row.guild_name,
  guildTag: row.guild_tag,
  characterId: row.character_id,
  characterName: row.character_name,
  invitedByCharacterId: row.invited_by_character_id,
  invitedByCharacterName: row.invited_by_character_name,
  state: row.state,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lapsed: row.lapsed,
});

const toJoinRequest = (row: JoinRequestRow): JoinRequestRecord => ({
  joinRequestId: row.join_request_id,
  guildId: row.guild_id,
  characterId: row.character_id,
  characterName: row.character_name,
  message: row.message,
  state: row.state,
  decidedByCharacterId: row.decided_by_character_id ?? undefined,
  createdAt: row.created_at,
});

const toTransfer = (row: TransferRow): BankTransferRecord => ({
  transferId: row.transfer_id,
  guildId: row.guild_id,
  characterId: row.character_id,
  direction: row.direction,
  amount: BigInt(row.amount),
  idempotencyKey: row.idempotency_key,
  state: row.state,
  createdAt: row.created_at,
  outcome:
    row.transaction_id === null
      ? undefined
      : { transactionId: row.transaction_id, bankBalanceAfter: BigInt(row.bank_balance_after ?? "0"), walletBalanceAfter: BigInt(row.wallet_balance_after ?? "0") },
});

/** A page from `limit + 1` rows: the extra row only says there is a next page, which starts after the last row kept. */
function pageOf<Row, T, Cursor>(rows: Row[], limit: number, toRecord: (row: Row) => T, cursorOf: (row: Row) => Cursor): Page<T, Cursor> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return { items: kept.map(toRecord), next: rows.length > limit && last !== undefined ? cursorOf(last) : undefined };
}

function reads(q: Queryable): GuildReads {
  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R | undefined> => (await q.query<R>(text, values)).rows[0];
  const count = async (text: string, values: unknown[]): Promise<number> => Number((await one<{ n: string }>(text, values))?.n ?? "0");
  return {
    async character(characterId) {
      const row = await one<{ character_id: string; player_id: string; name: string; deleted: boolean }>(
        "SELECT character_id, player_id, name, deleted_at IS NOT NULL AS deleted FROM characters WHERE character_id = $1",
        [characterId],
      );
      return row === undefined ? undefined : ({ characterId: row.character_id, playerId: row.player_id, name: row.name, deleted: row.deleted } satisfies CharacterRecord);
    },
    async guild(guildId) {
      const row = await one<GuildRow>(`${guildSelect} WHERE g.guild_id = $1`, [guildId]);
      return row === undefined ? undefined : toGuild(row);
    },
    async roles(guildId) {
      const { rows } = await q.query<RoleRow>(`SELECT ${roleColumns} FROM guild_roles r WHERE r.guild_id = $1 ORDER BY r.rank`, [guildId]);
      return rows.map(toRole);
    },
    async role(guildId, roleId) {
      const row = await one<RoleRow>(`SELECT ${roleColumns} FROM guild_roles r WHERE r.guild_id = $1 AND r.role_id = $2`, [guildId, roleId]);
      return row === undefined ? undefined : toRole(row);
    },
    async member(characterId) {
      const row = await one<MemberRow>(`${memberSelect} WHERE m.character_id = $1`, [characterId]);
      return row === undefined ? undefined : toMember(row);
    },
    async invite(inviteId) {
      const row = await one<InviteRow>(`${inviteSelect} WHERE i.invite_id = $1`, [inviteId]);
      return row === undefined ? undefined : toInvite(row);
    },
    async searchGuilds(query, after, limit) {
      const { rows } = await q.query<GuildRow>(
        `${guildSelect}
         WHERE g.state = 'active' AND ($1 = '' OR starts_with(lower(g.name), lower($1)) OR starts_with(g.tag, upper($1)))
           AND ($2::text IS NULL OR (lower(g.name), g.guild_id) > ($2, $3::uuid))
         ORDER BY lower(g.name), g.guild_id LIMIT $4`,
        [query, after?.name ?? null, after?.guildId ?? null, limit + 1],
      );
      return pageOf(rows, limit, toGuild, (row) => ({ name: row.name.toLowerCase(), guildId: row.guild_id }));
    },
    async members(guildId, after, limit) {
      const { rows } = await q.query<MemberRow>(
        `${memberSelect}
         WHERE m.guild_id = $1 AND ($2::int IS NULL OR (r.rank, m.seq) > ($2, $3::bigint))
         ORDER BY r.rank, m.seq LIMIT $4`,
        [guildId, after?.rank ?? null, after?.seq ?? null, limit + 1],
      );
      return pageOf(rows, limit, toMember, (row) => ({ rank: row.rank, seq: row.seq }));
    },
    async invitesOfCharacter(characterId, before, limit) {
      const { rows } = await q.query<InviteRow>(
        `${inviteSelect}
         WHERE i.character_id = $1 AND i.state = 'pending' AND i.expires_at > now() AND ($2::bigint IS NULL OR i.seq < $2)
         ORDER BY i.seq DESC LIMIT $3`,
        [characterId, before ?? null, limit + 1],
      );
      return pageOf(rows, limit, toInvite, (row) => row.seq);
    },
    async invitesOfGuild(guildId, before, limit) {
      const { rows } = await q.query<InviteRow>(
        `${inviteSelect}
         WHERE i.guild_id = $1 AND i.state = 'pending' AND i.expires_at > now() AND ($2::bigint IS NULL OR i.seq < $2)
         ORDER BY i.seq DESC LIMIT $3`,
        [guildId, before ?? null, limit + 1],
      );
      return pageOf(rows, limit, toInvite, (row) => row.seq);
    },
    async joinRequestsOfGuild(guildId, after, limit) {
      const { rows } = await q.query<JoinRequestRow>(
        `${joinRequestSelect}
         WHERE j.guild_id = $1 AND j.state = 'pending' AND ($2::bigint IS NULL OR j.seq > $2)
         ORDER BY j.seq LIMIT $3`,
        [guildId, after ?? null, limit + 1],
      );
      return pageOf(rows, limit, toJoinRequest, (row) => row.seq);
    },
    pendingInviteCount: (guildId) =>
      count("SELECT count(*) AS n FROM invites WHERE guild_id = $1 AND state = 'pending' AND expires_at > now()", [guildId]),
    pendingJoinRequestCount: (guildId) => count("SELECT count(*) AS n FROM join_requests WHERE guild_id = $1 AND state = 'pending'", [guildId]),
    async withdrawnToday(guildId, characterId) {
      // Pending withdrawals count: they are the reservations of the limit.
      const row = await one<{ total: string }>(
        `SELECT coalesce(sum(amount), 0) AS total FROM bank_transfers
         WHERE guild_id = $1 AND character_id = $2 AND direction = 'withdrawal'
           AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
        [guildId, characterId],
      );
      return BigInt(row?.total ?? "0");
    },
  };
}

/** Guild's state in PostgreSQL; `source` is the ce_source of its events. */
export function createGuildStore(db: Database, source: string): PgGuildStore {
  const within = (client: pg.PoolClient): GuildTransaction => {
    const read = reads(client);
    const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R | undefined> => (await client.query<R>(text, values)).rows[0];
    const exists = async (text: string, values: unknown[]) => (await client.query(text, values)).rowCount !== 0;
    const lockedInvite = async (where: string, values: unknown[]) => {
      const row = await one<InviteRow>(`${inviteSelect} WHERE ${where} FOR UPDATE OF i`, values);
      return row === undefined ? undefined : toInvite(row);
    };
    const roleClash = async (role: RoleRecord): Promise<RoleWrite> => {
      if (await exists("SELECT 1 FROM guild_roles WHERE guild_id = $1 AND role_id <> $2 AND lower(name) = lower($3)", [role.guildId, role.roleId, role.name])) {
        return "name_taken";
      }
      if (await exists("SELECT 1 FROM guild_roles WHERE guild_id = $1 AND role_id <> $2 AND rank = $3", [role.guildId, role.roleId, role.rank])) return "rank_taken";
      return "written";
    };
    return {
      ...read,
      async recordCharacter(characterId, playerId, name) {
        await client.query("INSERT INTO characters (character_id, player_id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [characterId, playerId, name]);
      },
      async markCharacterDeleted(characterId) {
        const result = await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
        return result.rowCount === 1;
      },

      async guildByCreationKey(founderCharacterId, creationKey) {
        const row = await one<GuildRow>(`${guildSelect} WHERE g.founder_character_id = $1 AND g.creation_key = $2`, [founderCharacterId, creationKey]);
        return row === undefined ? undefined : toGuild(row);
      },
      async insertGuild(guild) {
        const inserted = await client.query(
          `INSERT INTO guilds (guild_id, name, tag, description, join_policy, state, leader_character_id, founder_character_id, creation_key, fee)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
          [guild.guildId, guild.name, guild.tag, guild.description, guild.joinPolicy, guild.state, guild.leaderCharacterId, guild.founderCharacterId, guild.creationKey, guild.fee.toString()],
        );
        if (inserted.rowCount === 1) return "inserted";
        if (await exists("SELECT 1 FROM guilds WHERE lower(name) = lower($1) AND state <> 'disbanded'", [guild.name])) return "name_taken";
        if (await exists("SELECT 1 FROM guilds WHERE tag = $1 AND state <> 'disbanded'", [guild.tag])) return "tag_taken";
        return "key_taken";
      },
      async deleteFoundingGuild(guildId) {
        await client.query("DELETE FROM members WHERE guild_id = $1", [guildId]);
        await client.query("DELETE FROM guilds WHERE guild_id = $1 AND state = 'founding'", [guildId]);
      },
      async lockGuild(guildId) {
        const row = await one<GuildRow>(`${guildSelect} WHERE g.guild_id = $1 FOR UPDATE OF g`, [guildId]);
        return row === undefined ? undefined : toGuild(row);
      },
      async shareGuild(guildId) {
        const row = await one<GuildRow>(`${guildSelect} WHERE g.guild_id = $1 FOR SHARE OF g`, [guildId]);
        return row === undefined ? undefined : toGuild(row);
      },
      async setGuildState(guildId, state) {
        await client.query("UPDATE guilds SET state = $2 WHERE guild_id = $1", [guildId, state]);
      },
      async setLeader(guildId, characterId) {
        await client.query("UPDATE guilds SET leader_character_id = $2 WHERE guild_id = $1", [guildId, characterId]);
      },
      async setDisbandAmount(guildId, amount) {
        await client.query("UPDATE guilds SET disband_amount = $2 WHERE guild_id = $1", [guildId, amount.toString()]);
      },
      async finishDisband(guildId, returnedGold, unreturnedGold) {
        await client.query("UPDATE guilds SET state = 'disbanded', returned_gold = $2, unreturned_gold = $3, disbanded_at = now() WHERE guild_id = $1", [
          guildId,
          returnedGold.toString(),
          unreturnedGold.toString(),
        ]);
      },

      async insertRole(role) {
        // Role changes hold the guild's lock (a new guild's roles are written with it), so the check cannot race.
        const clash = await roleClash(role);
        if (clash !== "written") return clash;
        await client.query(
          "INSERT INTO guild_roles (role_id, guild_id, name, rank, kind, permissions, daily_withdrawal_limit) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          [role.roleId, role.guildId, role.name, role.rank, role.kind, role.permissions, role.dailyWithdrawalLimit.toString()],
        );
        return "written";
      },
      async updateRole(role) {
        const clash = await roleClash(role);
        if (clash !== "written") return clash;
        await client.query("UPDATE guild_roles SET name = $2, rank = $3, permissions = $4, daily_withdrawal_limit = $5 WHERE role_id = $1", [
          role.roleId,
          role.name,
          role.rank,
          role.permissions,
          role.dailyWithdrawalLimit.toString(),
        ]);
        return "written";
      },
      async deleteRole(roleId) {
        await client.query("DELETE FROM guild_roles WHERE role_id = $1", [roleId]);
      },
      async roleHolders(roleId) {
        return Number((await one<{ n: string }>("SELECT count(*) AS n FROM members WHERE role_id = $1", [roleId]))?.n ?? "0");
      },

      async lockMember(characterId) {
        const row = await one<MemberRow>(`${memberSelect} WHERE m.character_id = $1 FOR UPDATE OF m`, [characterId]);
        return row === undefined ? undefined : toMember(row);
      },
      async insertMember(guildId, characterId, roleId) {
        const inserted = await client.query("INSERT INTO members (character_id, guild_id, role_id) VALUES ($1, $2, $3) ON CONFLICT (character_id) DO NOTHING", [
          characterId,
          guildId,
          roleId,
        ]);
        return inserted.rowCount === 1;
      },
      async removeMember(characterId) {
        await client.query("DELETE FROM members WHERE character_id = $1", [characterId]);
      },
      async removeAllMembers(guildId) {
        const { rows } = await client.query<{ character_id: string }>("DELETE FROM members WHERE guild_id = $1 RETURNING character_id", [guildId]);
        return rows.map((r) => r.character_id);
      },
      async setMemberRole(characterId, roleId) {
        await client.query("UPDATE members SET role_id = $2 WHERE character_id = $1", [characterId, roleId]);
      },
      async memberCount(guildId) {
        return Number((await one<{ n: string }>("SELECT count(*) AS n FROM members WHERE guild_id = $1", [guildId]))?.n ?? "0");
      },
      async successor(guildId, excludedCharacterId) {
        const row = await one<MemberRow>(
          `${memberSelect} WHERE m.guild_id = $1 AND m.character_id <> $2 AND c.deleted_at IS NULL ORDER BY r.rank, m.seq LIMIT 1`,
          [guildId, excludedCharacterId],
        );
        return row === undefined ? undefined : toMember(row);
      },

      async insertInvite(guildId, characterId, invitedByCharacterId, ttlSeconds) {
        const inviteId = randomUUID();
        await client.query(
          `INSERT INTO invites (invite_id, guild_id, character_id, invited_by_character_id, state, expires_at)
           VALUES ($1, $2, $3, $4, 'pending', now() + make_interval(secs => $5))`,
          [inviteId, guildId, characterId, invitedByCharacterId, ttlSeconds],
        );
        return (await lockedInvite("i.invite_id = $1", [inviteId]))!;
      },
      lockInvite: (inviteId) => lockedInvite("i.invite_id = $1", [inviteId]),
      lockPendingInvite: (guildId, characterId) => lockedInvite("i.guild_id = $1 AND i.character_id = $2 AND i.state = 'pending'", [guildId, characterId]),
      async closeInvite(inviteId, state) {
        await client.query("UPDATE invites SET state = $2, closed_at = now() WHERE invite_id = $1", [inviteId, state]);
        return (await lockedInvite("i.invite_id = $1", [inviteId]))!;
      },
      async revokeGuildInvites(guildId) {
        await client.query("UPDATE invites SET state = 'revoked', closed_at = now() WHERE guild_id = $1 AND state = 'pending'", [guildId]);
      },

      async insertJoinRequest(guildId, characterId, message) {
        const joinRequestId = randomUUID();
        await client.query("INSERT INTO join_requests (join_request_id, guild_id, character_id, message, state) VALUES ($1, $2, $3, $4, 'pending')", [
          joinRequestId,
          guildId,
          characterId,
          message,
        ]);
        return toJoinRequest((await one<JoinRequestRow>(`${joinRequestSelect} WHERE j.join_request_id = $1`, [joinRequestId]))!);
      },
      async lockJoinRequest(joinRequestId) {
        const row = await one<JoinRequestRow>(`${joinRequestSelect} WHERE j.join_request_id = $1 FOR UPDATE OF j`, [joinRequestId]);
        return row === undefined ? undefined : toJoinRequest(row);
      },
      async pendingJoinRequest(guildId, characterId) {
        const row = await one<JoinRequestRow>(`${joinRequestSelect} WHERE j.guild_id = $1 AND j.character_id = $2 AND j.state = 'pending'`, [guildId, characterId]);
        return row === undefined ? undefined : toJoinRequest(row);
      },
      async closeJoinRequest(joinRequestId, state, decidedByCharacterId) {
        await client.query("UPDATE join_requests SET state = $2, decided_by_character_id = $3, closed_at = now() WHERE join_request_id = $1", [
          joinRequestId,
          state,
          decidedByCharacterId ?? null,
        ]);
        return toJoinRequest((await one<JoinRequestRow>(`${joinRequestSelect} WHERE j.join_request_id = $1`, [joinRequestId]))!);
      },
      async withdrawJoinRequestsOf(characterId) {
        // Requests another guild is deciding right now (locked) are skipped, not waited for: waiting could close a
        // cycle with that guild's approval, which waits for this transaction's membership. Such a request stays
        // pending; approving it finds the character in a guild.
        await client.query(
          `UPDATE join_requests SET state = 'withdrawn', closed_at = now()
           WHERE join_request_id IN (SELECT join_request_id FROM join_requests WHERE character_id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED)`,
          [characterId],
        );
      },
      async withdrawGuildJoinRequests(guildId) {
        await client.query("UPDATE join_requests SET state = 'withdrawn', closed_at = now() WHERE guild_id = $1 AND state = 'pending'", [guildId]);
      },

      async transferByKey(characterId, idempotencyKey) {
        const row = await one<TransferRow>(`SELECT ${transferColumns} FROM bank_transfers WHERE character_id = $1 AND idempotency_key = $2`, [characterId, idempotencyKey]);
        return row === undefined ? undefined : toTransfer(row);
      },
      async insertTransfer(transfer) {
        const row = await one<TransferRow>(
          `INSERT INTO bank_transfers (transfer_id, guild_id, character_id, direction, amount, idempotency_key, state)
           VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (character_id, idempotency_key) DO NOTHING RETURNING ${transferColumns}`,
          [randomUUID(), transfer.guildId, transfer.characterId, transfer.direction, transfer.amount.toString(), transfer.idempotencyKey],
        );
        if (row !== undefined) return { transfer: toTransfer(row), inserted: true };
        const earlier = await one<TransferRow>(`SELECT ${transferColumns} FROM bank_transfers WHERE character_id = $1 AND idempotency_key = $2`, [
          transfer.characterId,
          transfer.idempotencyKey,
        ]);
        if (earlier === undefined) throw new Error(`bank transfer key ${transfer.idempotencyKey} conflicted but is not there`);
        return { transfer: toTransfer(earlier), inserted: false };
      },
      async lockTransfer(transferId) {
        const row = await one<TransferRow>(`SELECT ${transferColumns} FROM bank_transfers WHERE transfer_id = $1 FOR UPDATE`, [transferId]);
        return row === undefined ? undefined : toTransfer(row);
      },
      async completeTransfer(transferId, outcome) {
        await client.query(
          `UPDATE bank_transfers SET state = 'completed', completed_at = now(), transaction_id = $2, bank_balance_after = $3, wallet_balance_after = $4
           WHERE transfer_id = $1`,
          [transferId, outcome.transactionId, outcome.bankBalanceAfter.toString(), outcome.walletBalanceAfter.toString()],
        );
      },
      async deleteTransfer(transferId) {
        await client.query("DELETE FROM bank_transfers WHERE transfer_id = $1 AND state = 'pending'", [transferId]);
      },
      async hasPendingTransfers(guildId) {
        return exists("SELECT 1 FROM bank_transfers WHERE guild_id = $1 AND state = 'pending' LIMIT 1", [guildId]);
      },

      async schedule(jobs) {
        await enqueueJobs<GuildJobPayloads>(client, jobs);
      },
      async publish(events) {
        await appendToOutbox(client, source, events);
      },
    };
  };

  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
