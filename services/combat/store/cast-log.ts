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

/** The record of casts, with the outbox of their events. */
export interface CastLog {
  /** The cast this caster made with this idempotency key, if any. */
  findByKey(casterCharacterId: string, idempotencyKey: string): Promise<CastRecord | undefined>;
  /**
   * Records the cast and its events in one transaction. When a concurrent
   * retry recorded the same key first, records nothing and answers with that
   * cast (`recorded` false).
   */
  record(cast: CastRecord, events: readonly OutgoingEvent[]): Promise<{ recorded: boolean; cast: CastRecord }>;
}

interface CastRow {
  cast_id: string;
  caster_character_id: string;
  caster_player_id: string;
  target_id: string;
  target_player_id: string;
  spell_id: string;
  damage: number;
  target_health: number;
  outcome: "hit" | "defeated";
  caster_mana: number;
  cooldown_ms: number;
  idempotency_key: string | null;
}

const columns = "cast_id, caster_character_id, caster_player_id, target_id, target_player_id, spell_id, damage, target_health, outcome, caster_mana, cooldown_ms, idempotency_key";

function toRecord(row: CastRow): CastRecord {
  return {
    castId: row.cast_id,
    casterCharacterId: row.caster_character_id,
    casterPlayerId: row.caster_player_id,
    targetId: row.target_id,
    targetPlayerId: row.target_player_id,
    spellId: row.spell_id,
    damage: row.damage,
    targetHealth: row.target_health,
    targetDefeated: row.outcome === "defeated",
    casterMana: row.caster_mana,
    cooldownMs: row.cooldown_ms,
    idempotencyKey: row.idempotency_key ?? "",
  };
}

/** Casts in combat's PostgreSQL; `source` is the ce_source of their events. */
export function createCastLog(db: Database, source: string): CastLog {
  const findByKey = async (queryable: Pick<Database["pool"], "query">, casterCharacterId: string, idempotencyKey: string) => {
    const { rows } = await queryable.query<CastRow>(`SELECT ${columns} FROM casts WHERE caster_character_id = $1 AND idempotency_key = $2`, [casterCharacterId, idempotencyKey]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  };

  return {
    findByKey: (casterCharacterId, idempotencyKey) => findByKey(db.pool, casterCharacterId, idempotencyKey),
    record: (cast, events) =>
      db.transaction(async (client) => {
        const { rowCount } = await client.query(
          `INSERT INTO casts (cast_id, caster_character_id, caster_player_id, target_id, target_player_id, spell_id, damage, target_health, outcome, caster_mana, cooldown_ms, idempotency_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT DO NOTHING`,
          [
            cast.castId,
            cast.casterCharacterId,
            cast.casterPlayerId,
            cast.targetId,
            cast.targetPlayerId,
            cast.spellId,
            cast.damage,
            cast.targetHealth,
            cast.targetDefeated ? "defeated" : "hit",
            cast.casterMana,
            cast.cooldownMs,
            cast.idempotencyKey === "" ? null : cast.idempotencyKey,
          ],
        );
        if (rowCount === 1) {
          await appendToOutbox(client, source, events);
          return { recorded: true, cast };
        }
        // Only a cast with the same key (same derived cast id) can conflict; it has committed by now.
        const first = await findByKey(client, cast.casterCharacterId, cast.idempotencyKey);
        if (first === undefined) throw new Error(`cast ${cast.castId} conflicted with no recorded cast`);
        return { recorded: false, cast: first };
      }),
  };
}
