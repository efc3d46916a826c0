import type pg from "pg";
import { appendToOutbox, enqueueJobs, type JobRequest } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { AssetsRecord, CharacterRecord, TradeRecord, TradeSide, TradeStatus } from "../core/trade-records.js";
import { openStatuses } from "../core/trade-records.js";
import type { TradeJob, TradeJobs, TradeStore, TradeTransaction } from "../core/trade-store.js";

interface TradeRow {
  trade_id: string;
  proposer_character_id: string;
  proposer_player_id: string;
  proposer_name: string;
  counterparty_character_id: string;
  counterparty_player_id: string;
  counterparty_name: string;
  offer: StoredAssets;
  request: StoredAssets;
  state: TradeStatus;
  idempotency_key: string;
  request_hash: string;
  proposer_hold_id: string | null;
  counterparty_hold_id: string | null;
  failure_reason: number | null;
  failure_message: string | null;
  failed_side: TradeSide | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  updated_at: Date;
  closed_at: Date | null;
}

/** TradeAssets as JSON: bigints as decimal strings. */
interface StoredAssets {
  gold: string;
  items: { itemId: string; quantity: string; definitionId: string; displayName: string }[];
}

interface CharacterRow {
  character_id: string;
  player_id: string;
  name: string;
  deleted_at: Date | null;
}

const toStored = (a: AssetsRecord): StoredAssets => ({ gold: a.gold.toString(), items: a.items.map((i) => ({ ...i, quantity: i.quantity.toString() })) });
const fromStored = (a: StoredAssets): AssetsRecord => ({ gold: BigInt(a.gold), items: a.items.map((i) => ({ ...i, quantity: BigInt(i.quantity) })) });

const toTrade = (row: TradeRow): TradeRecord => ({
  tradeId: row.trade_id,
  proposer: { characterId: row.proposer_character_id, playerId: row.proposer_player_id, name: row.proposer_name },
  counterparty: { characterId: row.counterparty_character_id, playerId: row.counterparty_player_id, name: row.counterparty_name },
  offer: fromStored(row.offer),
  request: fromStored(row.request),
  status: row.state,
  idempotencyKey: row.idempotency_key,
  requestHash: row.request_hash,
  proposerHoldId: row.proposer_hold_id ?? undefined,
  counterpartyHoldId: row.counterparty_hold_id ?? undefined,
  failureReason: row.failure_reason ?? undefined,
  failureMessage: row.failure_message ?? undefined,
  failedSide: row.failed_side ?? undefined,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  acceptedAt: row.accepted_at ?? undefined,
  updatedAt: row.updated_at,
  closedAt: row.closed_at ?? undefined,
});

const toCharacter = (row: CharacterRow): CharacterRecord => ({ characterId: row.character_id, playerId: row.player_id, name: row.name, deleted: row.deleted_at !== null });

const toJob = (job: TradeJob): JobRequest<TradeJobs> => ({ key: `${job.kind}:${job.tradeId}`, kind: job.kind, payload: { tradeId: job.tradeId }, dueAt: job.at });

const sideColumn: Record<TradeSide, string> = { proposer: "proposer_character_id", counterparty: "counterparty_character_id" };

/** Trading's trades and characters in PostgreSQL; `source` is the ce_source of its events. */
export function createTradeStore(db: Database, source: string): TradeStore & { within(client: pg.PoolClient): TradeTransaction } {
  const characterOf = async (q: pg.ClientBase | pg.Pool, characterId: string, lock: boolean) => {
    const { rows } = await q.query<CharacterRow>(`SELECT character_id, player_id, name, deleted_at FROM characters WHERE character_id = $1${lock ? " FOR UPDATE" : ""}`, [characterId]);
    return rows[0] === undefined ? undefined : toCharacter(rows[0]);
  };
  const tradeOf = async (q: pg.ClientBase | pg.Pool, tradeId: string, lock: boolean) => {
    const { rows } = await q.query<TradeRow>(`SELECT * FROM trades WHERE trade_id = $1${lock ? " FOR UPDATE" : ""}`, [tradeId]);
    return rows[0] === undefined ? undefined : toTrade(rows[0]);
  };

  const tradeByKeyOf = async (q: pg.ClientBase | pg.Pool, proposerCharacterId: string, idempotencyKey: string) => {
    const { rows } = await q.query<TradeRow>("SELECT * FROM trades WHERE proposer_character_id = $1 AND idempotency_key = $2", [proposerCharacterId, idempotencyKey]);
    return rows[0] === undefined ? undefined : toTrade(rows[0]);
  };

  const within = (client: pg.PoolClient): TradeTransaction => ({
    lockCharacter: (characterId) => characterOf(client, characterId, true),
    character: (characterId) => characterOf(client, characterId, false),
    tradeByKey: (proposerCharacterId, idempotencyKey) => tradeByKeyOf(client, proposerCharacterId, idempotencyKey),
    async countOpen(characterId, side) {
      const { rows } = await client.query<{ open: number }>(`SELECT count(*)::int AS open FROM trades WHERE ${sideColumn[side]} = $1 AND state = ANY($2::text[])`, [
        characterId,
        openStatuses,
      ]);
      return rows[0]?.open ?? 0;
    },
    async insert(trade) {
      await client.query(
        `INSERT INTO trades (trade_id, proposer_character_id, proposer_player_id, proposer_name, counterparty_character_id, counterparty_player_id,
           counterparty_name, offer, request, state, idempotency_key, request_hash, created_at, expires_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13)`,
        [
          trade.tradeId,
          trade.proposer.characterId,
          trade.proposer.playerId,
          trade.proposer.name,
          trade.counterparty.characterId,
          trade.counterparty.playerId,
          trade.counterparty.name,
          JSON.stringify(toStored(trade.offer)),
          JSON.stringify(toStored(trade.request)),
          trade.status,
          trade.idempotencyKey,
          trade.requestHash,
          trade.createdAt,
          trade.expiresAt,
        ],
      );
    },
    lock: (tradeId) => tradeOf(client, tradeId, true),
    async update(tradeId, change) {
      const { rows } = await client.query<TradeRow>(
        `UPDATE trades SET
           state = coalesce($2, state),
           proposer_hold_id = coalesce($3, proposer_hold_id),
           counterparty_hold_id = coalesce($4, counterparty_hold_id),
           failure_reason = coalesce($5, failure_reason),
           failure_message = coalesce($6, failure_message),
           failed_side = coalesce($7, failed_side),
           accepted_at = coalesce($8, accepted_at),
           closed_at = coalesce($9, closed_at),
           updated_at = now()
         WHERE trade_id = $1 RETURNING *`,
        [
          tradeId,
          change.status ?? null,
          change.proposerHoldId ?? null,
          change.counterpartyHoldId ?? null,
          change.failure?.reason ?? null,
          change.failure?.message ?? null,
          change.failure?.side ?? null,
          change.acceptedAt ?? null,
          change.closedAt ?? null,
        ],
      );
      if (rows[0] === undefined) throw new Error(`trade ${tradeId} is not there to update`);
      return toTrade(rows[0]);
    },
    async proposedTradesOf(characterId) {
      const { rows } = await client.query<{ trade_id: string }>(
        "SELECT trade_id FROM trades WHERE (proposer_character_id = $1 OR counterparty_character_id = $1) AND state = 'proposed'",
        [characterId],
      );
      return rows.map((r) => r.trade_id);
    },
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
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
    schedule: (jobs) => enqueueJobs<TradeJobs>(client, jobs.map(toJob)),
    async insertRestriction(actionId, playerId, until) {
      await client.query("INSERT INTO trading_restrictions (action_id, player_id, until_at) VALUES ($1, $2, $3) ON CONFLICT (action_id) DO NOTHING", [actionId, playerId, until ?? null]);
    },
    async removeRestriction(actionId) {
      await client.query("DELETE FROM trading_restrictions WHERE action_id = $1", [actionId]);
    },
  });

  return {
    get: (tradeId) => tradeOf(db.pool, tradeId, false),
    character: (characterId) => characterOf(db.pool, characterId, false),
    tradeByKey: (proposerCharacterId, idempotencyKey) => tradeByKeyOf(db.pool, proposerCharacterId, idempotencyKey),
    async list(characterId, filter, cursor, limit) {
      const sides = filter.side === undefined ? ["proposer", "counterparty"] : [filter.side];
      const where = sides.map((side) => `${sideColumn[side as TradeSide]} = $1`).join(" OR ");
      const { rows } = await db.pool.query<TradeRow>(
        `SELECT * FROM trades
         WHERE (${where}) AND (cardinality($2::text[]) = 0 OR state = ANY($2::text[]))
           AND ($3::timestamptz IS NULL OR (created_at, trade_id) < ($3, $4::uuid))
         ORDER BY created_at DESC, trade_id DESC LIMIT $5`,
        [characterId, filter.statuses, cursor?.createdAt ?? null, cursor?.tradeId ?? null, limit],
      );
      return rows.map(toTrade);
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    async restrictedPlayers(playerIds, now) {
      const { rows } = await db.pool.query<{ player_id: string }>(
        "SELECT DISTINCT player_id FROM trading_restrictions WHERE player_id = ANY($1::text[]) AND (until_at IS NULL OR until_at > $2)",
        [[...playerIds], now],
      );
      return new Set(rows.map((r) => r.player_id));
    },
    within,
  };
}
