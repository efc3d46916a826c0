import type pg from "pg";
import type { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { CharacterRecord, ZoneBounds } from "../core/character.js";

/** What one earlier ApplyDamage of a cast did (ApplyDamage is idempotent by cast id). */
export interface DamageApplication {
  readonly castId: string;
  readonly characterId: string;
  readonly sourceCharacterId: string;
  readonly amount: number;
  readonly healthBefore: number;
  readonly healthAfter: number;
  readonly defeated: boolean;
}

/**
 * What player answered an earlier ApplyDamage of a cast: ApplyDamage is
 * idempotent by cast id in both outcomes, a hit applied and a hit refused.
 */
export type EarlierHit = { readonly kind: "applied"; readonly application: DamageApplication } | { readonly kind: "refused" };

/** Reads outside any transaction, and the way into one. */
export interface CharacterStore {
  get(characterId: string): Promise<CharacterRecord | undefined>;
  /** A player's characters, oldest first. */
  listByPlayer(playerId: string): Promise<CharacterRecord[]>;
  /** Characters in a zone ordered by lower-case name, after `afterName` (a lower-case name) when given. */
  listInZone(zoneId: string, afterName: string | undefined, limit: number): Promise<CharacterRecord[]>;
  transaction<T>(work: (tx: CharacterTransaction) => Promise<T>): Promise<T>;
}

/** Changes that commit together with the events describing them. */
export interface CharacterTransaction {
  /** Serializes this player's transactions (the character limit is checked under it). */
  lockPlayer(playerId: string): Promise<void>;
  countOwned(playerId: string): Promise<number>;
  /** False when the name is taken (any case). */
  insert(character: CharacterRecord): Promise<boolean>;
  /** Reads the character and locks its row until commit (FOR UPDATE), so concurrent changes compose. */
  lock(characterId: string): Promise<CharacterRecord | undefined>;
  /** Writes level, health, position and defeat time. */
  save(character: CharacterRecord): Promise<void>;
  remove(characterId: string): Promise<void>;
  zone(zoneId: string): Promise<ZoneBounds | undefined>;
  /** What an earlier ApplyDamage of this cast did, if there was one that committed. */
  findHit(castId: string): Promise<EarlierHit | undefined>;
  recordDamage(application: DamageApplication): Promise<void>;
  /** Keeps a refused hit's cast id: every later attempt of it is refused too. */
  recordRefusal(castId: string, characterId: string): Promise<void>;
  /** Adds events to the outbox, committed with the change. */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

interface CharacterRow {
  character_id: string;
  player_id: string | null;
  name: string;
  character_class: number;
  kind: number;
  level: number;
  health: number;
  zone_id: string;
  x: number;
  y: number;
  z: number;
  defeated_at: Date | null;
  created_at: Date;
}

const columns = "character_id, player_id, name, character_class, kind, level, health, zone_id, x, y, z, defeated_at, created_at";

function toRecord(row: CharacterRow): CharacterRecord {
  return {
    characterId: row.character_id,
    playerId: row.player_id ?? "",
    name: row.name,
    characterClass: row.character_class as CharacterClass,
    kind: row.kind as CharacterKind,
    level: row.level,
    health: row.health,
    position: { zoneId: row.zone_id, x: row.x, y: row.y, z: row.z },
    defeatedAt: row.defeated_at ?? undefined,
    createdAt: row.created_at,
  };
}

/** The player service's characters in PostgreSQL; `source` is the ce_source of its events. */
export function createCharacterStore(db: Database, source: string): CharacterStore {
  return {
    async get(characterId) {
      const { rows } = await db.pool.query<CharacterRow>(`SELECT ${columns} FROM characters WHERE character_id = $1`, [characterId]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async listByPlayer(playerId) {
      const { rows } = await db.pool.query<CharacterRow>(`SELECT ${columns} FROM characters WHERE player_id = $1 ORDER BY created_at, character_id`, [playerId]);
      return rows.map(toRecord);
    },
    async listInZone(zoneId, afterName, limit) {
      const { rows } = await db.pool.query<CharacterRow>(
        `SELECT ${columns} FROM characters
         WHERE zone_id = $1 AND ($2::text IS NULL OR lower(name) > $2)
         ORDER BY lower(name) LIMIT $3`,
        [zoneId, afterName ?? null, limit],
      );
      return rows.map(toRecord);
    },
    transaction: (work) => db.transaction((client) => work(characterTransaction(client, source))),
  };
}

function characterTransaction(client: pg.PoolClient, source: string): CharacterTransaction {
  return {
    async lockPlayer(playerId) {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`player:${playerId}`]);
    },
    async countOwned(playerId) {
      const { rows } = await client.query<{ count: string }>("SELECT count(*) FROM characters WHERE player_id = $1", [playerId]);
      return Number(rows[0]?.count ?? 0);
    },
    async insert(c) {
      // The only unique key a fresh random id can hit is the name.
      const { rowCount } = await client.query(
        `INSERT INTO characters (character_id, player_id, name, character_class, kind, level, health, zone_id, x, y, z, defeated_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT DO NOTHING`,
        [c.characterId, c.playerId === "" ? null : c.playerId, c.name, c.characterClass, c.kind, c.level, c.health, c.position.zoneId, c.position.x, c.position.y, c.position.z, c.defeatedAt ?? null, c.createdAt],
      );
      return rowCount === 1;
    },
    async lock(characterId) {
      const { rows } = await client.query<CharacterRow>(`SELECT ${columns} FROM characters WHERE character_id = $1 FOR UPDATE`, [characterId]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async save(c) {
      await client.query(
        `UPDATE characters SET level = $2, health = $3, zone_id = $4, x = $5, y = $6, z = $7, defeated_at = $8 WHERE character_id = $1`,
        [c.characterId, c.level, c.health, c.position.zoneId, c.position.x, c.position.y, c.position.z, c.defeatedAt ?? null],
      );
    },
    async remove(characterId) {
      await client.query("DELETE FROM characters WHERE character_id = $1", [characterId]);
    },
    async zone(zoneId) {
      const { rows } = await client.query<{ zone_id: string; min_x: number; max_x: number; min_y: number; max_y: number; min_z: number; max_z: number }>(
        "SELECT zone_id, min_x, max_x, min_y, max_y, min_z, max_z FROM zones WHERE zone_id = $1",
        [zoneId],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : { zoneId: row.zone_id, minX: row.min_x, maxX: row.max_x, minY: row.min_y, maxY: row.max_y, minZ: row.min_z, maxZ: row.max_z };
    },
    async findHit(castId) {
      // One round trip for both outcomes; a cast id is in at most one of the two tables.
      const { rows } = await client.query<{
        kind: "applied" | "refused";
        cast_id: string;
        character_id: string;
        source_character_id: string;
        amount: number;
        health_before: number;
        health_after: number;
        defeated: boolean;
      }>(
        `SELECT 'applied' AS kind, cast_id, character_id, source_character_id, amount, health_before, health_after, defeated FROM damage_applications WHERE cast_id = $1
         UNION ALL
         SELECT 'refused', cast_id, character_id, NULL::uuid, NULL::integer, NULL::integer, NULL::integer, NULL::boolean FROM damage_refusals WHERE cast_id = $1`,
        [castId],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      if (row.kind === "refused") return { kind: "refused" };
      return {
        kind: "applied",
        application: {
          castId: row.cast_id,
          characterId: row.character_id,
          sourceCharacterId: row.source_character_id,
          amount: row.amount,
          healthBefore: row.health_before,
          healthAfter: row.health_after,
          defeated: row.defeated,
        },
      };
    },
    async recordDamage(a) {
      await client.query(
        `INSERT INTO damage_applications (cast_id, character_id, source_character_id, amount, health_before, health_after, defeated)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [a.castId, a.characterId, a.sourceCharacterId, a.amount, a.healthBefore, a.healthAfter, a.defeated],
      );
    },
    async recordRefusal(castId, characterId) {
      await client.query("INSERT INTO damage_refusals (cast_id, character_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [castId, characterId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  };
}
