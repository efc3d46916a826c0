import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";

/** A completed cast and the outcome its caster was told. */
export interface CastRecord {
  readonly castId: string;
  readonly casterCharacterId: string;
  readonly casterPlayerId: string;
  readonly targetId: string;
  /** "" for training targets. */
  readonly targetPlayerId: string;
  readonly spellId: string;
  readonly damage: number;
  readonly targetHealth: number;
  readonly targetDefeated: boolean;
  /** Whole mana left after the cast. */
  readonly casterMana: number;
  /** The spell's cooldown as it started with this cast. */
  readonly cooldownMs: number;
  /** "" when the caller sent none. */
  readonly idempotencyKey: string;
}

/** A paid cast whose hit player has been (or is about to be) asked to apply; its outcome is not known yet. */
export type PendingCast = Omit<CastRecord, "targetHealth" | "targetDefeated"> & {
  /** The caster's mana cap when it paid: what a refund fills up to. */
  readonly casterMaxMana: number;
  /** The payment that bought it ("" for a cast recorded before payments had ids). */
  readonly paymentId: string;
};

/** Why player refused a cast's hit; the caster was refunded. */
export type Miss = "target_defeated" | "target_gone";

/** What the log knows of a cast. */
export type CastEntry = { readonly state: "pending"; readonly cast: PendingCast } | { readonly state: "done"; readonly cast: CastRecord } | { readonly state: "missed"; readonly miss: Miss; readonly cast: PendingCast };

/** The record of casts, with the outbox of their events. */
export interface CastLog {
  /** The cast with this id, if recorded. */
  find(castId: string): Promise<CastEntry | undefined>;
  /** The cast this caster made with this idempotency key, if any. */
  findByKey(casterCharacterId: string, idempotencyKey: string): Promise<CastEntry | undefined>;
  /**
   * Records a paid cast as pending before its hit is asked for, to be re-driven
   * from `redriveAfterMs` on unless completed first. When the cast id is already
   * there (a concurrent retry of the same key), records nothing and answers with
   * that cast (`recorded` false).
   */
  recordPending(cast: PendingCast, redriveAfterMs: number): Promise<{ recorded: true } | { recorded: false; entry: CastEntry }>;
  /**
   * Completes a pending cast with its hit's outcome and writes its events, in one
   * transaction. Only the first completion counts: a cast already ended answers
   * with what it ended as, and writes nothing.
   */
  complete(cast: CastRecord, events: readonly OutgoingEvent[]): Promise<CastEntry>;
  /** Ends a pending cast whose hit player refused; false when it had already ended (so the refund is not ours to make). */
  miss(castId: string, miss: Miss): Promise<boolean>;
  /**
   * Claims up to `limit` pending casts due for a re-drive, pushing their next
   * re-drive `retryAfterMs` later; replicas claiming together get different casts.
   */
  claimDue(limit: number, retryAfterMs: number): Promise<PendingCast[]>;
  /** For each of these casts that is recorded: how it stands, and the payment that bought it. */
  paymentsOf(castIds: readonly string[]): Promise<ReadonlyMap<string, RecordedPayment>>;
}

/** A recorded cast as its payment sees it: still open, kept for a hit, or owed back for a miss. */
export interface RecordedPayment {
  readonly state: CastEntry["state"];
  /** "" for a cast recorded before payments had ids. */
  readonly paymentId: string;
}

interface CastRow {
  cast_id: string;
  caster_character_id: string;
  caster_player_id: string;
  target_id: string;
  target_player_id: string;
  spell_id: string;
  damage: number;
  target_health: number | null;
  outcome: "pending" | "hit" | "defeated" | "missed_target_defeated" | "missed_target_gone";
  caster_mana: number;
  caster_max_mana: number;
  cooldown_ms: number;
  idempotency_key: string | null;
  payment_id: string | null;
}

const columns = "cast_id, caster_character_id, caster_player_id, target_id, target_player_id, spell_id, damage, target_health, outcome, caster_mana, caster_max_mana, cooldown_ms, idempotency_key, payment_id";

function pendingOf(row: CastRow): PendingCast {
  return {
    castId: row.cast_id,
    casterCharacterId: row.caster_character_id,
    casterPlayerId: row.caster_player_id,
    targetId: row.target_id,
    targetPlayerId: row.target_player_id,
    spellId: row.spell_id,
    damage: row.damage,
    casterMana: row.caster_mana,
    casterMaxMana: row.caster_max_mana,
    cooldownMs: row.cooldown_ms,
    idempotencyKey: row.idempotency_key ?? "",
    paymentId: row.payment_id ?? "",
  };
}

function entryOf(row: CastRow): CastEntry {
  const cast = pendingOf(row);
  switch (row.outcome) {
    case "pending":
      return { state: "pending", cast };
    case "missed_target_defeated":
      return { state: "missed", miss: "target_defeated", cast };
    case "missed_target_gone":
      return { state: "missed", miss: "target_gone", cast };
    default: {
      const { casterMaxMana: _, paymentId: __, ...rest } = cast;
      return { state: "done", cast: { ...rest, targetHealth: row.target_health!, targetDefeated: row.outcome === "defeated" } };
    }
  }
}

type Queryable = Pick<Database["pool"], "query">;

/** Casts in combat's PostgreSQL; `source` is the ce_source of their events. */
export function createCastLog(db: Database, source: string): CastLog {
  const find = async (queryable: Queryable, castId: string) => {
    const { rows } = await queryable.query<CastRow>(`SELECT ${columns} FROM casts WHERE cast_id = $1`, [castId]);
    return rows[0] === undefined ? undefined : entryOf(rows[0]);
  };
  const byId = async (queryable: Queryable, castId: string) => {
    const entry = await find(queryable, castId);
    if (entry === undefined) throw new Error(`cast ${castId} is not recorded`);
    return entry;
  };

  return {
    find: (castId) => find(db.pool, castId),

    async findByKey(casterCharacterId, idempotencyKey) {
      const { rows } = await db.pool.query<CastRow>(`SELECT ${columns} FROM casts WHERE caster_character_id = $1 AND idempotency_key = $2`, [casterCharacterId, idempotencyKey]);
      return rows[0] === undefined ? undefined : entryOf(rows[0]);
    },

    async recordPending(cast, redriveAfterMs) {
      // One statement, no transaction: the cheapest write that makes the paid cast durable before its hit.
      const { rowCount } = await db.pool.query(
        `INSERT INTO casts (cast_id, caster_character_id, caster_player_id, target_id, target_player_id, spell_id, damage, outcome, caster_mana, caster_max_mana, cooldown_ms, idempotency_key, payment_id, redrive_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11, $12, now() + make_interval(secs => $13::double precision / 1000))
         ON CONFLICT DO NOTHING`,
        [
          cast.castId,
          cast.casterCharacterId,
          cast.casterPlayerId,
          cast.targetId,
          cast.targetPlayerId,
          cast.spellId,
          cast.damage,
          cast.casterMana,
          cast.casterMaxMana,
          cast.cooldownMs,
          cast.idempotencyKey === "" ? null : cast.idempotencyKey,
          cast.paymentId,
          redriveAfterMs,
        ],
      );
      // Only a cast with the same key (same derived cast id) can conflict; it has committed by now.
      return rowCount === 1 ? { recorded: true } : { recorded: false, entry: await byId(db.pool, cast.castId) };
    },

    complete: (cast, events) =>
      db.transaction(async (client) => {
        const { rowCount } = await client.query(`UPDATE casts SET outcome = $2, target_health = $3, redrive_at = NULL WHERE cast_id = $1 AND outcome = 'pending'`, [
          cast.castId,
          cast.targetDefeated ? "defeated" : "hit",
          cast.targetHealth,
        ]);
        if (rowCount === 1) {
          await appendToOutbox(client, source, events);
          return { state: "done", cast };
        }
        return byId(client, cast.castId);
      }),

    async miss(castId, miss) {
      const { rowCount } = await db.pool.query(`UPDATE casts SET outcome = $2, redrive_at = NULL WHERE cast_id = $1 AND outcome = 'pending'`, [castId, `missed_${miss}`]);
      return rowCount === 1;
    },

    async claimDue(limit, retryAfterMs) {
      const { rows } = await db.pool.query<CastRow>(
        `UPDATE casts SET redrive_at = now() + make_interval(secs => $2::double precision / 1000)
         WHERE cast_id IN (SELECT cast_id FROM casts WHERE outcome = 'pending' AND redrive_at <= now() ORDER BY redrive_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING ${columns}`,
        [limit, retryAfterMs],
      );
      return rows.map(pendingOf);
    },

    async paymentsOf(castIds) {
      if (castIds.length === 0) return new Map();
      const { rows } = await db.pool.query<CastRow>(`SELECT ${columns} FROM casts WHERE cast_id = ANY($1)`, [castIds]);
      return new Map(rows.map((row) => [row.cast_id, { state: entryOf(row).state, paymentId: row.payment_id ?? "" }]));
    },
  };
}
