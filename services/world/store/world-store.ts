import type pg from "pg";
import { appendToOutbox } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { Catalogue } from "../core/catalogue.js";
import type { CharacterRecord, Contender, MemberPosition, TerritoryChangeName, TerritoryRecord, ZoneRecord } from "../core/world-records.js";
import type { WorldReads, WorldStore, WorldTransaction } from "../core/world-store.js";

/** World's store in PostgreSQL, and its operations inside a transaction opened elsewhere (the inbox's). */
export interface PgWorldStore extends WorldStore {
  within(client: pg.PoolClient): WorldTransaction;
}

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Advisory lock keys (this database's own): one replica at a time runs a tick, or syncs the catalogue. */
const tickLockKey = 74_300_001;
const catalogueLockKey = 74_300_002;

interface ZoneRow {
  zone_id: string;
  name: string;
  min_x: number;
  min_y: number;
  max_x: number;
  max_y: number;
  min_level: number;
  max_level: number;
  pvp: boolean;
  open: boolean;
  close_reason: string;
  territory_count: number;
}

interface TerritoryRow {
  territory_id: string;
  zone_id: string;
  name: string;
  min_x: number;
  min_y: number;
  max_x: number;
  max_y: number;
  controller_guild_id: string | null;
  control_since: Date | null;
  revision: string;
  last_change: TerritoryChangeName | null;
  capture_id: string | null;
  started_by_guild_id: string | null;
  started_at: Date | null;
  last_tick: string | null;
  contenders: Contender[] | null;
}

const zoneSelect = `
  SELECT z.zone_id, z.name, z.min_x, z.min_y, z.max_x, z.max_y, z.min_level, z.max_level, z.pvp, z.open, z.close_reason,
         (SELECT count(*)::int FROM territories t WHERE t.zone_id = z.zone_id) AS territory_count
  FROM zones z`;

const territorySelect = `
  SELECT t.territory_id, t.zone_id, t.name, t.min_x, t.min_y, t.max_x, t.max_y, t.controller_guild_id, t.control_since, t.revision, t.last_change,
         c.capture_id, c.started_by_guild_id, c.started_at, c.last_tick, c.contenders
  FROM territories t LEFT JOIN captures c ON c.territory_id = t.territory_id AND c.status = 'running'`;

const toZone = (row: ZoneRow): ZoneRecord => ({
  zoneId: row.zone_id,
  name: row.name,
  bounds: { minX: row.min_x, minY: row.min_y, maxX: row.max_x, maxY: row.max_y },
  minLevel: row.min_level,
  maxLevel: row.max_level,
  pvp: row.pvp,
  open: row.open,
  closeReason: row.close_reason,
  territoryCount: row.territory_count,
});

const toTerritory = (row: TerritoryRow): TerritoryRecord => ({
  territoryId: row.territory_id,
  zoneId: row.zone_id,
  name: row.name,
  bounds: { minX: row.min_x, minY: row.min_y, maxX: row.max_x, maxY: row.max_y },
  controllerGuildId: row.controller_guild_id ?? undefined,
  controlSince: row.control_since ?? undefined,
  revision: BigInt(row.revision),
  lastChange: row.last_change ?? undefined,
  contest:
    row.capture_id === null
      ? undefined
      : {
          captureId: row.capture_id,
          startedByGuildId: row.started_by_guild_id!,
          startedAt: row.started_at!,
          lastTick: Number(row.last_tick),
          contenders: row.contenders ?? [],
        },
});

function reads(q: Queryable): WorldReads {
  return {
    async zones() {
      const { rows } = await q.query<ZoneRow>(`${zoneSelect} ORDER BY z.position, z.zone_id`);
      return rows.map(toZone);
    },
    async zone(zoneId) {
      const { rows } = await q.query<ZoneRow>(`${zoneSelect} WHERE z.zone_id = $1`, [zoneId]);
      return rows[0] === undefined ? undefined : toZone(rows[0]);
    },
    async territories(zoneId) {
      const { rows } = await q.query<TerritoryRow>(
        `${territorySelect} JOIN zones z ON z.zone_id = t.zone_id WHERE $1::text IS NULL OR t.zone_id = $1 ORDER BY z.position, t.position, t.territory_id`,
        [zoneId ?? null],
      );
      return rows.map(toTerritory);
    },
    async territory(territoryId) {
      const { rows } = await q.query<TerritoryRow>(`${territorySelect} WHERE t.territory_id = $1`, [territoryId]);
      return rows[0] === undefined ? undefined : toTerritory(rows[0]);
    },
    async revisions() {
      const { rows } = await q.query<{ territory_id: string; revision: string }>("SELECT territory_id, revision FROM territories");
      return new Map(rows.map((r) => [r.territory_id, BigInt(r.revision)]));
    },
    async character(characterId) {
      const { rows } = await q.query<{ character_id: string; player_id: string; zone_id: string | null; x: number | null; y: number | null; deleted: boolean; guild_id: string | null }>(
        `SELECT c.character_id, c.player_id, c.zone_id, c.x, c.y, c.deleted_at IS NOT NULL AS deleted, m.guild_id
         FROM characters c LEFT JOIN guild_members m ON m.character_id = c.character_id WHERE c.character_id = $1`,
        [characterId],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        characterId: row.character_id,
        playerId: row.player_id,
        position: row.zone_id === null || row.x === null || row.y === null ? undefined : { zoneId: row.zone_id, x: row.x, y: row.y },
        guildId: row.guild_id ?? undefined,
        deleted: row.deleted,
      } satisfies CharacterRecord;
    },
    async capture(captureId) {
      const { rows } = await q.query<{ capture_id: string; territory_id: string; character_id: string }>(
        "SELECT capture_id, territory_id, character_id FROM captures WHERE capture_id = $1",
        [captureId],
      );
      const row = rows[0];
      return row === undefined ? undefined : { captureId: row.capture_id, territoryId: row.territory_id, characterId: row.character_id };
    },
    async membersIn(zoneIds) {
      const { rows } = await q.query<{ character_id: string; guild_id: string; zone_id: string; x: number; y: number }>(
        `SELECT c.character_id, m.guild_id, c.zone_id, c.x, c.y FROM characters c JOIN guild_members m ON m.character_id = c.character_id
         WHERE c.zone_id = ANY($1::text[]) AND c.deleted_at IS NULL AND c.x IS NOT NULL AND c.y IS NOT NULL`,
        [zoneIds],
      );
      return rows.map((r): MemberPosition => ({ characterId: r.character_id, guildId: r.guild_id, zoneId: r.zone_id, x: r.x, y: r.y }));
    },
  };
}

function transaction(client: pg.PoolClient, source: string): WorldTransaction {
  const read = reads(client);
  /**
   * Locks the territories `lock` selects (its first column, a territory id),
   * then reads them with a statement of its own: READ COMMITTED gives that one
   * a snapshot taken after the locks were granted, so a contest that another
   * transaction changed or ended while this one waited is read as it is now.
   */
  const lockedTerritories = async (lock: string, values: unknown[]) => {
    const { rows } = await client.query<{ territory_id: string }>(`${lock} ORDER BY t.territory_id FOR UPDATE OF t`, values);
    if (rows.length === 0) return [];
    const fresh = await client.query<TerritoryRow>(`${territorySelect} WHERE t.territory_id = ANY($1::text[]) ORDER BY t.territory_id`, [rows.map((r) => r.territory_id)]);
    return fresh.rows.map(toTerritory);
  };
  const running = "SELECT t.territory_id FROM territories t JOIN captures c ON c.territory_id = t.territory_id AND c.status = 'running'";
  return {
    ...read,
    async lockTicks(wait) {
      if (wait) {
        await client.query("SELECT pg_advisory_xact_lock($1)", [tickLockKey]);
        return true;
      }
      const { rows } = await client.query<{ taken: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS taken", [tickLockKey]);
      return rows[0]?.taken === true;
    },
    async lockTerritory(territoryId) {
      return (await lockedTerritories("SELECT t.territory_id FROM territories t WHERE t.territory_id = $1", [territoryId]))[0];
    },
    async lockZone(zoneId, mode) {
      const { rows } = await client.query<ZoneRow>(`${zoneSelect} WHERE z.zone_id = $1 FOR ${mode === "share" ? "SHARE" : "UPDATE"} OF z`, [zoneId]);
      return rows[0] === undefined ? undefined : toZone(rows[0]);
    },
    async contestsDue(tick) {
      const locked = await lockedTerritories(`${running} JOIN zones z ON z.zone_id = t.zone_id AND z.open WHERE c.last_tick < $1`, [tick]);
      return locked.filter((t) => t.contest !== undefined && t.contest.lastTick < tick);
    },
    async contestsIn(zoneId) {
      return (await lockedTerritories(`${running} WHERE t.zone_id = $1`, [zoneId])).filter((t) => t.contest !== undefined);
    },
    async startContest(c) {
      const { rowCount } = await client.query(
        `INSERT INTO captures (capture_id, territory_id, character_id, started_by_guild_id, started_at, last_tick) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (capture_id) DO NOTHING`,
        [c.captureId, c.territoryId, c.characterId, c.guildId, c.startedAt, c.tick],
      );
      return rowCount === 1;
    },
    async saveContest(captureId, contenders, tick) {
      await client.query("UPDATE captures SET contenders = $2, last_tick = $3 WHERE capture_id = $1", [captureId, JSON.stringify(contenders), tick]);
    },
    async endContest(captureId, outcome, winnerGuildId, contenders, tick) {
      await client.query("UPDATE captures SET status = $2, winner_guild_id = $3, contenders = $4, last_tick = $5, ended_at = now() WHERE capture_id = $1", [
        captureId,
        outcome,
        winnerGuildId ?? null,
        JSON.stringify(contenders),
        tick,
      ]);
    },
    async setControl(territoryId, guildId, since) {
      await client.query("UPDATE territories SET controller_guild_id = $2, control_since = $3 WHERE territory_id = $1", [
        territoryId,
        guildId ?? null,
        guildId === undefined ? null : since,
      ]);
    },
    async touchTerritory(territoryId, change) {
      await client.query("UPDATE territories SET revision = revision + 1, last_change = $2 WHERE territory_id = $1", [territoryId, change]);
    },
    async heldBy(guildId) {
      return (await lockedTerritories("SELECT t.territory_id FROM territories t WHERE t.controller_guild_id = $1", [guildId])).filter((t) => t.controllerGuildId === guildId);
    },
    async setZoneOpen(zoneId, open, reason) {
      await client.query("UPDATE zones SET open = $2, close_reason = $3 WHERE zone_id = $1", [zoneId, open, reason]);
    },
    async recordCharacter(c) {
      // A redelivered or late CharacterCreated must not move a character back to where it started.
      await client.query(
        `INSERT INTO characters (character_id, player_id, zone_id, x, y) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (character_id) DO UPDATE SET player_id = excluded.player_id,
           zone_id = CASE WHEN characters.zone_id IS NULL THEN excluded.zone_id ELSE characters.zone_id END,
           x = CASE WHEN characters.zone_id IS NULL THEN excluded.x ELSE characters.x END,
           y = CASE WHEN characters.zone_id IS NULL THEN excluded.y ELSE characters.y END`,
        [c.characterId, c.playerId, c.position?.zoneId ?? null, c.position?.x ?? null, c.position?.y ?? null],
      );
    },
    async moveCharacter(characterId, to) {
      await client.query("UPDATE characters SET zone_id = $2, x = $3, y = $4 WHERE character_id = $1", [characterId, to.zoneId, to.x, to.y]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = coalesce(deleted_at, now()) WHERE character_id = $1", [characterId]);
      await client.query("DELETE FROM guild_members WHERE character_id = $1", [characterId]);
    },
    async joinGuild(characterId, guildId) {
      await client.query("INSERT INTO guild_members (character_id, guild_id) VALUES ($1, $2) ON CONFLICT (character_id) DO UPDATE SET guild_id = excluded.guild_id", [
        characterId,
        guildId,
      ]);
    },
    async leaveGuild(characterId, guildId) {
      await client.query("DELETE FROM guild_members WHERE character_id = $1 AND guild_id = $2", [characterId, guildId]);
    },
    async removeGuild(guildId) {
      await client.query("DELETE FROM guild_members WHERE guild_id = $1", [guildId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  };
}

/** Creates the store over the service's database; `source` is its SPIFFE ID (ce_source of its events). */
export function createWorldStore(db: Database, source: string): PgWorldStore {
  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(transaction(client, source))),
    within: (client) => transaction(client, source),
    syncCatalogue: (catalogue: Catalogue) =>
      db.transaction(async (client) => {
        // Replicas starting together sync one after the other.
        await client.query("SELECT pg_advisory_xact_lock($1)", [catalogueLockKey]);
        for (const [zoneIndex, zone] of catalogue.zones.entries()) {
          const b = zone.bounds;
          await client.query(
            `INSERT INTO zones (zone_id, name, min_x, min_y, max_x, max_y, min_level, max_level, pvp, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (zone_id) DO UPDATE SET name = excluded.name, min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y,
               min_level = excluded.min_level, max_level = excluded.max_level, pvp = excluded.pvp, position = excluded.position`,
            [zone.zoneId, zone.name, b.minX, b.minY, b.maxX, b.maxY, zone.minLevel, zone.maxLevel, zone.pvp, zoneIndex],
          );
          for (const [index, territory] of zone.territories.entries()) {
            const t = territory.bounds;
            await client.query(
              `INSERT INTO territories (territory_id, zone_id, name, min_x, min_y, max_x, max_y, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (territory_id) DO UPDATE SET zone_id = excluded.zone_id, name = excluded.name, min_x = excluded.min_x, min_y = excluded.min_y,
                 max_x = excluded.max_x, max_y = excluded.max_y, position = excluded.position`,
              [territory.territoryId, zone.zoneId, territory.name, t.minX, t.minY, t.maxX, t.maxY, index],
            );
          }
        }
      }),
  };
}
