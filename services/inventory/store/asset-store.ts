import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { HeldItemRecord, HoldRecord, HoldStatus, LedgerEntryRecord, NewLedgerEntry, StackRecord } from "../core/asset-records.js";
import { escrowAccount, walletAccount } from "../core/ledger-accounts.js";

/** What an idempotency key already stands for: the hash of its first arguments and the response they got. */
export interface IdempotencyRecord {
  readonly requestHash: string;
  readonly response: Buffer;
}

/** Reads outside any transaction, and the ways into one. */
export interface AssetStore {
  /** The player id owning a live character, or undefined for an unknown or deleted one. */
  ownerOf(characterId: string): Promise<string | undefined>;
  listStacks(characterId: string): Promise<StackRecord[]>;
  /** A wallet's balance and held gold, both derived from the ledger. */
  wallet(characterId: string): Promise<{ balance: bigint; held: bigint }>;
  /** Entries touching the character's wallet, newest first, older than `beforeSeq` when given. */
  ledgerPage(characterId: string, beforeSeq: bigint | undefined, limit: number): Promise<LedgerEntryRecord[]>;
  transaction<T>(work: (tx: AssetTransaction) => Promise<T>): Promise<T>;
  /** The same operations inside a transaction opened elsewhere (an event consumer's inbox transaction). */
  within(client: pg.PoolClient): AssetTransaction;
}

/** Changes that commit together with the events describing them. */
export interface AssetTransaction {
  /**
   * Locks the character's assets (its wallets row, created on first use)
   * until commit: every change to a character's gold or items takes it
   * first, so balance checks and their debits cannot interleave, and the
   * character's events reach the outbox in commit order.
   */
  lockAssets(characterId: string): Promise<void>;
  /** Spendable gold: credits minus debits of the wallet account. */
  balance(characterId: string): Promise<bigint>;
  /** Gold locked in the character's open escrow holds (their accounts' balances). */
  held(characterId: string): Promise<bigint>;
  appendEntry(entry: NewLedgerEntry): Promise<LedgerEntryRecord>;
  /** The character's stack `itemId`, locked until commit. */
  lockStack(characterId: string, itemId: string): Promise<StackRecord | undefined>;
  /** Adds to the character's stack of `definitionId`, creating it when there is none. */
  addToStack(characterId: string, definitionId: string, quantity: bigint): Promise<StackRecord>;
  /** Writes quantity and held quantity; a stack whose quantity reached zero is removed. */
  saveStack(stack: StackRecord): Promise<void>;
  insertHold(hold: HoldRecord): Promise<void>;
  /** The hold with its items, locked until commit. */
  lockHold(holdId: string): Promise<HoldRecord | undefined>;
  settleHold(holdId: string, status: Exclude<HoldStatus, "held">, toCharacterId: string | undefined): Promise<void>;
  /**
   * Claims an idempotency key for this transaction. Returns undefined when
   * the key is new (the caller then does the work and calls completeKey), or
   * the record of its first use. A concurrent first use of the same key
   * makes this wait until that transaction ends.
   */
  claimKey(key: string, requestHash: string): Promise<IdempotencyRecord | undefined>;
  completeKey(key: string, response: Buffer): Promise<void>;
  recordCharacter(characterId: string, playerId: string): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

interface StackRow {
  item_id: string;
  character_id: string;
  definition_id: string;
  quantity: string;
  held_quantity: string;
}

interface EntryRow {
  seq: string;
  entry_id: string;
  transaction_id: string;
  kind: number;
  debit_account: string;
  credit_account: string;
  amount: string;
  balance_after: string;
  created_at: Date;
}

const stackColumns = "item_id, character_id, definition_id, quantity, held_quantity";
const entryColumns = "seq, entry_id, transaction_id, kind, debit_account, credit_account, amount, balance_after, created_at";

const toStack = (row: StackRow): StackRecord => ({
  itemId: row.item_id,
  characterId: row.character_id,
  definitionId: row.definition_id,
  quantity: BigInt(row.quantity),
  heldQuantity: BigInt(row.held_quantity),
});

const toEntry = (row: EntryRow): LedgerEntryRecord => ({
  seq: BigInt(row.seq),
  entryId: row.entry_id,
  transactionId: row.transaction_id,
  kind: row.kind as LedgerEntryKind,
  debitAccount: row.debit_account,
  creditAccount: row.credit_account,
  amount: BigInt(row.amount),
  balanceAfter: BigInt(row.balance_after),
  createdAt: row.created_at,
});

/** Balance of a set of accounts: what was credited to them minus what was debited from them. */
async function balanceOf(q: Queryable, accounts: readonly string[]): Promise<bigint> {
  if (accounts.length === 0) return 0n;
  const { rows } = await q.query<{ balance: string }>(
    `SELECT (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE credit_account = ANY($1::text[]))
          - (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE debit_account = ANY($1::text[])) AS balance`,
    [accounts],
  );
  return BigInt(rows[0]?.balance ?? "0");
}

async function heldOf(q: Queryable, characterId: string): Promise<bigint> {
  const { rows } = await q.query<{ hold_id: string }>("SELECT hold_id FROM escrow_holds WHERE character_id = $1 AND status = 'held'", [characterId]);
  return balanceOf(q, rows.map((r) => escrowAccount(r.hold_id)));
}

/** Inventory's assets in PostgreSQL; `source` is the ce_source of its events. */
export function createAssetStore(db: Database, source: string): AssetStore {
  const within = (client: pg.PoolClient): AssetTransaction => ({
    async lockAssets(characterId) {
      await client.query("INSERT INTO wallets (character_id) VALUES ($1) ON CONFLICT DO NOTHING", [characterId]);
      await client.query("SELECT 1 FROM wallets WHERE character_id = $1 FOR UPDATE", [characterId]);
    },
    balance: (characterId) => balanceOf(client, [walletAccount(characterId)]),
    held: (characterId) => heldOf(client, characterId),
    async appendEntry(entry) {
      const { rows } = await client.query<EntryRow>(
        `INSERT INTO ledger_entries (entry_id, transaction_id, kind, debit_account, credit_account, amount, balance_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${entryColumns}`,
        [randomUUID(), entry.transactionId, entry.kind, entry.debitAccount, entry.creditAccount, entry.amount.toString(), entry.balanceAfter.toString()],
      );
      return toEntry(rows[0]!);
    },
    async lockStack(characterId, itemId) {
      const { rows } = await client.query<StackRow>(`SELECT ${stackColumns} FROM item_stacks WHERE item_id = $1 AND character_id = $2 FOR UPDATE`, [itemId, characterId]);
      return rows[0] === undefined ? undefined : toStack(rows[0]);
    },
    async addToStack(characterId, definitionId, quantity) {
      const { rows } = await client.query<StackRow>(
        `INSERT INTO item_stacks (item_id, character_id, definition_id, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT (character_id, definition_id) DO UPDATE SET quantity = item_stacks.quantity + EXCLUDED.quantity
         RETURNING ${stackColumns}`,
        [randomUUID(), characterId, definitionId, quantity.toString()],
      );
      return toStack(rows[0]!);
    },
    async saveStack(stack) {
      if (stack.quantity === 0n) {
        await client.query("DELETE FROM item_stacks WHERE item_id = $1", [stack.itemId]);
        return;
      }
      await client.query("UPDATE item_stacks SET quantity = $2, held_quantity = $3 WHERE item_id = $1", [stack.itemId, stack.quantity.toString(), stack.heldQuantity.toString()]);
    },
    async insertHold(hold) {
      await client.query("INSERT INTO escrow_holds (hold_id, character_id, gold, status) VALUES ($1, $2, $3, 'held')", [hold.holdId, hold.characterId, hold.gold.toString()]);
      if (hold.items.length === 0) return;
      await client.query(
        `INSERT INTO escrow_hold_items (hold_id, item_id, definition_id, quantity)
         SELECT $1, item_id, definition_id, quantity FROM unnest($2::uuid[], $3::text[], $4::bigint[]) AS t(item_id, definition_id, quantity)`,
        [hold.holdId, hold.items.map((i) => i.itemId), hold.items.map((i) => i.definitionId), hold.items.map((i) => i.quantity.toString())],
      );
    },
    async lockHold(holdId) {
      const { rows } = await client.query<{ hold_id: string; character_id: string; gold: string; status: HoldStatus; to_character_id: string | null }>(
        "SELECT hold_id, character_id, gold, status, to_character_id FROM escrow_holds WHERE hold_id = $1 FOR UPDATE",
        [holdId],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const items = await client.query<{ item_id: string; definition_id: string; quantity: string }>(
        "SELECT item_id, definition_id, quantity FROM escrow_hold_items WHERE hold_id = $1 ORDER BY item_id",
        [holdId],
      );
      return {
        holdId: row.hold_id,
        characterId: row.character_id,
        gold: BigInt(row.gold),
        status: row.status,
        toCharacterId: row.to_character_id ?? undefined,
        items: items.rows.map((i): HeldItemRecord => ({ itemId: i.item_id, definitionId: i.definition_id, quantity: BigInt(i.quantity) })),
      };
    },
    async settleHold(holdId, status, toCharacterId) {
      await client.query("UPDATE escrow_holds SET status = $2, to_character_id = $3, settled_at = now() WHERE hold_id = $1", [holdId, status, toCharacterId ?? null]);
    },
    async claimKey(key, requestHash) {
      const inserted = await client.query(
        "INSERT INTO idempotency_keys (idempotency_key, request_hash, response) VALUES ($1, $2, '') ON CONFLICT DO NOTHING",
        [key, requestHash],
      );
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await client.query<{ request_hash: string; response: Buffer }>("SELECT request_hash, response FROM idempotency_keys WHERE idempotency_key = $1", [key]);
      const row = rows[0];
      if (row === undefined) throw new Error(`idempotency key ${key} conflicted but is not there`);
      return { requestHash: row.request_hash, response: row.response };
    },
    async completeKey(key, response) {
      await client.query("UPDATE idempotency_keys SET response = $2 WHERE idempotency_key = $1", [key, response]);
    },
    async recordCharacter(characterId, playerId) {
      await client.query("INSERT INTO characters (character_id, player_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [characterId, playerId]);
    },
    async markCharacterDeleted(characterId) {
      await client.query("UPDATE characters SET deleted_at = now() WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    async ownerOf(characterId) {
      const { rows } = await db.pool.query<{ player_id: string }>("SELECT player_id FROM characters WHERE character_id = $1 AND deleted_at IS NULL", [characterId]);
      return rows[0]?.player_id;
    },
    async listStacks(characterId) {
      const { rows } = await db.pool.query<StackRow>(`SELECT ${stackColumns} FROM item_stacks WHERE character_id = $1 ORDER BY definition_id`, [characterId]);
      return rows.map(toStack);
    },
    async wallet(characterId) {
      // One snapshot for both numbers, so a hold placed in between cannot count twice or not at all.
      return db.transaction(async (client) => {
        await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
        return { balance: await balanceOf(client, [walletAccount(characterId)]), held: await heldOf(client, characterId) };
      });
    },
    async ledgerPage(characterId, beforeSeq, limit) {
      const account = walletAccount(characterId);
      const { rows } = await db.pool.query<EntryRow>(
        `SELECT ${entryColumns} FROM ledger_entries
         WHERE (debit_account = $1 OR credit_account = $1) AND ($2::bigint IS NULL OR seq < $2)
         ORDER BY seq DESC LIMIT $3`,
        [account, beforeSeq?.toString() ?? null, limit],
      );
      return rows.map(toEntry);
    },
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
