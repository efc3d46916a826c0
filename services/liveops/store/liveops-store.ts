import type pg from "pg";
import { GoalKind, LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { appendToOutbox } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { CharacterRecord, ClaimRecord, InstanceRecord, ItemRewardRecord, LiveEventRecord, ParticipationRecord, StandingRecord, TierRecord } from "../core/live-event-records.js";
import type { LiveopsStore, LiveopsTransaction } from "../core/liveops-store.js";

interface EventRow {
  event_id: string;
  title: string;
  description: string;
  goal_kind: number;
  goal_school: number;
  tiers: StoredTier[];
  starts_at: Date;
  ends_at: Date;
  recurrence_cron: string | null;
  recurrence_time_zone: string | null;
  recurrence_duration_ms: string | null;
  cancelled_at: Date | null;
  cancel_reason: string;
  created_at: Date;
  updated_at: Date;
}

interface StoredItem {
  definitionId: string;
  quantity: string;
}
interface StoredTier {
  tier: number;
  threshold: string;
  gold: string;
  items: StoredItem[];
}

interface InstanceRow {
  instance_id: string;
  event_id: string;
  starts_at: Date;
  ends_at: Date;
  start_announced: boolean;
  end_announced: boolean;
}

interface ParticipationRow {
  instance_id: string;
  event_id: string;
  character_id: string;
  player_id: string;
  progress: string;
  joined_at: Date;
  claimed_tiers: number[] | null;
}

interface ClaimRow {
  instance_id: string;
  event_id: string;
  character_id: string;
  tier: number;
  gold: string;
  items: StoredItem[];
  grant_ids: string[];
  claimed_at: Date;
}

const toStoredItems = (items: readonly ItemRewardRecord[]): StoredItem[] => items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity.toString() }));
const fromStoredItems = (items: readonly StoredItem[]): ItemRewardRecord[] => items.map((i) => ({ definitionId: i.definitionId, quantity: BigInt(i.quantity) }));
const toStoredTiers = (tiers: readonly TierRecord[]): StoredTier[] => tiers.map((t) => ({ tier: t.tier, threshold: t.threshold.toString(), gold: t.gold.toString(), items: toStoredItems(t.items) }));

const toEvent = (row: EventRow): LiveEventRecord => ({
  eventId: row.event_id,
  title: row.title,
  description: row.description,
  goal: { kind: row.goal_kind as GoalKind, school: row.goal_school },
  tiers: row.tiers.map((t) => ({ tier: t.tier, threshold: BigInt(t.threshold), gold: BigInt(t.gold), items: fromStoredItems(t.items) })),
  schedule: {
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    recurrence:
      row.recurrence_cron === null
        ? undefined
        : { cron: row.recurrence_cron, timeZone: row.recurrence_time_zone ?? "UTC", durationMs: Number(row.recurrence_duration_ms) },
  },
  cancelledAt: row.cancelled_at ?? undefined,
  cancelReason: row.cancel_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toInstance = (row: InstanceRow): InstanceRecord => ({
  instanceId: row.instance_id,
  eventId: row.event_id,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  startAnnounced: row.start_announced,
  endAnnounced: row.end_announced,
});

const toParticipation = (row: ParticipationRow): ParticipationRecord => ({
  instanceId: row.instance_id,
  eventId: row.event_id,
  characterId: row.character_id,
  playerId: row.player_id,
  progress: BigInt(row.progress),
  joinedAt: row.joined_at,
  claimedTiers: row.claimed_tiers ?? [],
});

const toClaim = (row: ClaimRow): ClaimRecord => ({
  instanceId: row.instance_id,
  eventId: row.event_id,
  characterId: row.character_id,
  tier: row.tier,
  gold: BigInt(row.gold),
  items: fromStoredItems(row.items),
  grantIds: row.grant_ids,
  claimedAt: row.claimed_at,
});

const participationColumns = `p.instance_id, p.event_id, p.character_id, p.player_id, p.progress, p.joined_at,
  (SELECT array_agg(c.tier ORDER BY c.tier) FROM reward_claims c WHERE c.instance_id = p.instance_id AND c.character_id = p.character_id) AS claimed_tiers`;

/** Each state as a condition on the row at $4 (now); see core/liveops-message.ts stateOf. */
const stateConditions: Partial<Record<LiveEventState, string>> = {
  [LiveEventState.CANCELLED]: "cancelled_at IS NOT NULL",
  [LiveEventState.SCHEDULED]: "cancelled_at IS NULL AND first_starts_at > $4",
  [LiveEventState.ACTIVE]: "cancelled_at IS NULL AND first_starts_at <= $4 AND ends_at > $4",
  [LiveEventState.ENDED]: "cancelled_at IS NULL AND ends_at <= $4",
};

// Any fixed number shared by the replicas; it only has to differ from other advisory locks in this database.
const scheduleLockId = 7440_0001;

/** Liveops' events, occurrences, participations, claims and characters in PostgreSQL; `source` is the ce_source of its events. */
export function createLiveopsStore(db: Database, source: string): LiveopsStore & { within(client: pg.PoolClient): LiveopsTransaction } {
  type Q = pg.ClientBase | pg.Pool;
  const eventOf = async (q: Q, eventId: string, lock: boolean) => {
    const { rows } = await q.query<EventRow>(`SELECT * FROM live_events WHERE event_id = $1${lock ? " FOR UPDATE" : ""}`, [eventId]);
    return rows[0] === undefined ? undefined : toEvent(rows[0]);
  };
  const instanceOf = async (q: Q, instanceId: string) => {
    const { rows } = await q.query<InstanceRow>("SELECT * FROM live_event_instances WHERE instance_id = $1", [instanceId]);
    return rows[0] === undefined ? undefined : toInstance(rows[0]);
  };
  const participationOf = async (q: Q, instanceId: string, characterId: string) => {
    const { rows } = await q.query<ParticipationRow>(`SELECT ${participationColumns} FROM participations p WHERE p.instance_id = $1 AND p.character_id = $2`, [instanceId, characterId]);
    return rows[0] === undefined ? undefined : toParticipation(rows[0]);
  };
  const characterOf = async (q: Q, characterId: string) => {
    const { rows } = await q.query<{ character_id: string; player_id: string; name: string; deleted_at: Date | null }>(
      "SELECT character_id, player_id, name, deleted_at FROM characters WHERE character_id = $1",
      [characterId],
    );
    const row = rows[0];
    return row === undefined ? undefined : ({ characterId: row.character_id, playerId: row.player_id, name: row.name, deleted: row.deleted_at !== null } satisfies CharacterRecord);
  };
  const claimOf = async (q: Q, instanceId: string, characterId: string, tier: number) => {
    const { rows } = await q.query<ClaimRow>("SELECT * FROM reward_claims WHERE instance_id = $1 AND character_id = $2 AND tier = $3", [instanceId, characterId, tier]);
    return rows[0] === undefined ? undefined : toClaim(rows[0]);
  };
  const eventValues = (e: LiveEventRecord, firstStartsAt: Date) => [
    e.eventId,
    e.title,
    e.description,
    e.goal.kind,
    e.goal.school,
    JSON.stringify(toStoredTiers(e.tiers)),
    e.schedule.startsAt,
    e.schedule.endsAt,
    firstStartsAt,
    e.schedule.recurrence?.cron ?? null,
    e.schedule.recurrence?.timeZone ?? null,
    e.schedule.recurrence?.durationMs ?? null,
    e.cancelledAt ?? null,
    e.cancelReason,
    e.createdAt,
    e.updatedAt,
  ];

  const within = (client: pg.PoolClient): LiveopsTransaction => ({
    async tryScheduleLock() {
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [scheduleLockId]);
      return rows[0]?.locked === true;
    },
    async insertEvent(event, firstStartsAt) {
      await client.query(
        `INSERT INTO live_events (event_id, title, description, goal_kind, goal_school, tiers, starts_at, ends_at, first_starts_at,
           recurrence_cron, recurrence_time_zone, recurrence_duration_ms, cancelled_at, cancel_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        eventValues(event, firstStartsAt),
      );
    },
    lockEvent: (eventId) => eventOf(client, eventId, true),
    async updateEvent(event, firstStartsAt) {
      await client.query(
        `UPDATE live_events SET title = $2, description = $3, goal_kind = $4, goal_school = $5, tiers = $6, starts_at = $7, ends_at = $8, first_starts_at = $9,
           recurrence_cron = $10, recurrence_time_zone = $11, recurrence_duration_ms = $12, cancelled_at = $13, cancel_reason = $14, created_at = $15, updated_at = $16
         WHERE event_id = $1`,
        eventValues(event, firstStartsAt),
      );
    },
    async runningEvents(now) {
      const { rows } = await client.query<EventRow>("SELECT * FROM live_events WHERE cancelled_at IS NULL AND first_starts_at <= $1 AND ends_at > $1", [now]);
      return rows.map(toEvent);
    },
    async ensureInstance(instanceId, eventId, window) {
      await client.query(
        `INSERT INTO live_event_instances (instance_id, event_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) ON CONFLICT (instance_id) DO NOTHING`,
        [instanceId, eventId, window.startsAt, window.endsAt],
      );
      return (await instanceOf(client, instanceId))!;
    },
    async instancesToStart(now) {
      const { rows } = await client.query<InstanceRow>(
        `SELECT i.* FROM live_event_instances i JOIN live_events e USING (event_id)
         WHERE NOT i.start_announced AND i.starts_at <= $1 AND e.cancelled_at IS NULL ORDER BY i.starts_at`,
        [now],
      );
      return rows.map(toInstance);
    },
    async lockInstance(instanceId) {
      const { rows } = await client.query<InstanceRow>("SELECT * FROM live_event_instances WHERE instance_id = $1 FOR UPDATE", [instanceId]);
      return rows[0] === undefined ? undefined : toInstance(rows[0]);
    },
    async instancesToEnd(now, eventId) {
      const { rows } = await client.query<InstanceRow>(
        eventId === undefined
          ? "SELECT * FROM live_event_instances WHERE start_announced AND NOT end_announced AND ends_at <= $1 ORDER BY ends_at FOR UPDATE"
          : "SELECT * FROM live_event_instances WHERE NOT end_announced AND event_id = $2 AND starts_at <= $1 ORDER BY starts_at FOR UPDATE",
        eventId === undefined ? [now] : [now, eventId],
      );
      return rows.map(toInstance);
    },
    async markAnnounced(instanceId, which) {
      await client.query(`UPDATE live_event_instances SET ${which === "start" ? "start_announced" : "end_announced"} = true WHERE instance_id = $1`, [instanceId]);
    },
    async participantCount(instanceId) {
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM participations WHERE instance_id = $1", [instanceId]);
      return BigInt(rows[0]?.n ?? 0);
    },
    character: (characterId) => characterOf(client, characterId),
    participation: (instanceId, characterId) => participationOf(client, instanceId, characterId),
    async insertParticipation(p) {
      const { rowCount } = await client.query(
        `INSERT INTO participations (instance_id, character_id, event_id, player_id, progress, joined_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (instance_id, character_id) DO NOTHING`,
        [p.instanceId, p.characterId, p.eventId, p.playerId, p.progress.toString(), p.joinedAt],
      );
      return rowCount === 1;
    },
    async creditCandidates(characterId, kind, at) {
      const { rows } = await client.query<ParticipationRow & { window_starts_at: Date; window_ends_at: Date; goal_school: number; cancelled_at: Date | null }>(
        `SELECT ${participationColumns}, i.starts_at AS window_starts_at, i.ends_at AS window_ends_at, e.goal_school, e.cancelled_at
         FROM participations p JOIN live_event_instances i USING (instance_id) JOIN live_events e ON e.event_id = i.event_id
         WHERE p.character_id = $1 AND e.goal_kind = $2 AND i.ends_at > $3`,
        [characterId, kind, at],
      );
      return rows.map((row) => ({
        participation: toParticipation(row),
        window: { startsAt: row.window_starts_at, endsAt: row.window_ends_at },
        goal: { kind, school: row.goal_school },
        cancelledAt: row.cancelled_at ?? undefined,
      }));
    },
    async addCredit(instanceId, characterId, sourceEventId, amount, at) {
      const { rows } = await client.query<{ progress: string }>(
        `WITH credited AS (
           INSERT INTO progress_credits (instance_id, character_id, source_event_id, amount, happened_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING amount
         )
         UPDATE participations SET progress = progress + credited.amount FROM credited
         WHERE instance_id = $1 AND character_id = $2 RETURNING progress`,
        [instanceId, characterId, sourceEventId, amount.toString(), at],
      );
      return rows[0] === undefined ? undefined : BigInt(rows[0].progress);
    },
    async insertClaim(claim) {
      const { rowCount } = await client.query(
        `INSERT INTO reward_claims (instance_id, character_id, tier, event_id, gold, items, grant_ids, claimed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING`,
        [claim.instanceId, claim.characterId, claim.tier, claim.eventId, claim.gold.toString(), JSON.stringify(toStoredItems(claim.items)), claim.grantIds, claim.claimedAt],
      );
      return { claim: rowCount === 1 ? claim : (await claimOf(client, claim.instanceId, claim.characterId, claim.tier))!, inserted: rowCount === 1 };
    },
    async recordCharacter(c) {
      await client.query(
        `INSERT INTO characters (character_id, player_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (character_id) DO UPDATE SET name = EXCLUDED.name WHERE characters.player_id = EXCLUDED.player_id`,
        [c.characterId, c.playerId, c.name],
      );
    },
    async guildMembers(guildId) {
      const { rows } = await client.query<{ character_id: string }>("SELECT character_id FROM guild_members WHERE guild_id = $1 ORDER BY character_id", [guildId]);
      return rows.map((r) => r.character_id);
    },
    async addGuildMember(guildId, characterId) {
      await client.query("INSERT INTO guild_members (character_id, guild_id) VALUES ($1, $2) ON CONFLICT (character_id) DO UPDATE SET guild_id = EXCLUDED.guild_id", [
        characterId,
        guildId,
      ]);
    },
    async removeGuildMember(guildId, characterId) {
      await client.query("DELETE FROM guild_members WHERE character_id = $1 AND guild_id = $2", [characterId, guildId]);
    },
    async removeGuild(guildId) {
      await client.query("DELETE FROM guild_members WHERE guild_id = $1", [guildId]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    event: (eventId) => eventOf(db.pool, eventId, false),
    async listEvents(state, now, cursor, limit) {
      const params: unknown[] = [limit, cursor?.startsAt ?? null, cursor?.eventId ?? null];
      let where = "($2::timestamptz IS NULL OR (starts_at, event_id) < ($2, $3::uuid))";
      const condition = state === undefined ? undefined : stateConditions[state];
      if (condition !== undefined) where += ` AND ${condition}`;
      // PostgreSQL refuses a parameter no statement uses (it cannot type it).
      if (where.includes("$4")) params.push(now);
      const { rows } = await db.pool.query<EventRow>(`SELECT * FROM live_events WHERE ${where} ORDER BY starts_at DESC, event_id DESC LIMIT $1`, params);
      return rows.map(toEvent);
    },
    instance: (instanceId) => instanceOf(db.pool, instanceId),
    participation: (instanceId, characterId) => participationOf(db.pool, instanceId, characterId),
    claim: (instanceId, characterId, tier) => claimOf(db.pool, instanceId, characterId, tier),
    character: (characterId) => characterOf(db.pool, characterId),
    async standings(instanceId, offset, limit) {
      const { rows } = await db.pool.query<{ character_id: string; name: string | null; progress: string; joined_at: Date }>(
        `SELECT p.character_id, c.name, p.progress, p.joined_at FROM participations p LEFT JOIN characters c USING (character_id)
         WHERE p.instance_id = $1 ORDER BY p.progress DESC, p.joined_at, p.character_id OFFSET $2 LIMIT $3`,
        [instanceId, offset, limit],
      );
      return rows.map((r): StandingRecord => ({ characterId: r.character_id, name: r.name ?? "", progress: BigInt(r.progress), joinedAt: r.joined_at }));
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
