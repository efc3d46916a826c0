import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { appendToOutbox, type OutgoingEvent } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import type { HeldItemRecord, HoldRecord, HoldStatus, LedgerEntryRecord, NewLedgerEntry, StackRecord } from "../core/asset-records.js";
import type { GiftRestrictionRows, GiftRestrictions } from "../core/gift-restrictions.js";
import { walletAccount } from "../core/ledger-accounts.js";

/** What an idempotency key already stands for: the hash of its first arguments and the response they got. */
export interface IdempotencyRecord {
  readonly requestHash: string;
  readonly response: Buffer;
}

/** Reads, outside a transaction or inside one. */
export interface AssetReads extends GiftRestrictions {
  /** The owning player of each live character among `characterIds`; unknown and deleted ones are missing. */
  liveCharacters(characterIds: readonly string[]): Promise<Map<string, string>>;
  /** The character's stacks; only those among `itemIds` when given. */
  listStacks(characterId: string, itemIds?: readonly string[]): Promise<StackRecord[]>;
  /** An account's balance; zero for one that never held gold. */
  balance(account: string): Promise<bigint>;
  /** A wallet's balance, the gold in the character's open escrow holds, and the wallet's debt. */
  wallet(characterId: string): Promise<{ balance: bigint; held: bigint; debt: bigint }>;
  /** Entries touching the account, newest first, older than `beforeSeq` when given. */
  ledgerPage(account: string, beforeSeq: bigint | undefined, limit: number): Promise<LedgerEntryRecord[]>;
}

/** Reads outside any transaction, and the ways into one. */
export interface AssetStore extends AssetReads {
  transaction<T>(work: (tx: AssetTransaction) => Promise<T>): Promise<T>;
  /** The same operations inside a transaction opened elsewhere (an event consumer's inbox transaction). */
  within(client: pg.PoolClient): AssetTransaction;
}

/** Changes that commit together with the events describing them. */
export interface AssetTransaction extends AssetReads, GiftRestrictionRows {
  /**
   * Locks an account's row in `accounts` until commit, creating it at zero
   * when it has none. Every change to a character's gold or items locks the
   * character's wallet first, so balance checks and their debits cannot
   * interleave, and the character's events reach the outbox in commit order.
   * Several accounts are locked in the order of byAccountName.
   */
  lockAccount(account: string): Promise<void>;
  /** Adds to an account's balance (opening it), locked until commit; the balance and the debt afterwards. */
  creditAccount(account: string, amount: bigint): Promise<{ balance: bigint; debt: bigint }>;
  /**
   * Takes `amount` from an account, locked until commit: the balance
   * afterwards, or undefined (and nothing changed) when it holds less.
   */
  debitAccount(account: string, amount: bigint): Promise<bigint | undefined>;
  appendEntry(entry: NewLedgerEntry): Promise<LedgerEntryRecord>;
  /** Adds to a wallet's debt (opening its row), locked until commit; the debt afterwards. */
  addDebt(account: string, amount: bigint): Promise<bigint>;
  /**
   * Pays a wallet's debt from its balance, as far as the balance goes, in one
   * statement under the row's lock: what was paid and both numbers
   * afterwards, or undefined when the wallet owes nothing or holds nothing.
   */
  repayDebt(account: string): Promise<{ paid: bigint; balance: bigint; debt: bigint } | undefined>;
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
  debit_balance_after: string | null;
  credit_balance_after: string | null;
  created_at: Date;
}

const stackColumns = "item_id, character_id, definition_id, quantity, held_quantity";
const entryColumns = "seq, entry_id, transaction_id, kind, debit_account, credit_account, amount, debit_balance_after, credit_balance_after, created_at";

const toStack = (row: StackRow): StackRecord => ({
  itemId: row.item_id,
  characterId: row.character_id,
  definitionId: row.definition_id,
  quantity: BigInt(row.quantity),
  heldQuantity: BigInt(row.held_quantity),
});

const optionalBigInt = (value: string | null) => (value === null ? undefined : BigInt(value));

const toEntry = (row: EntryRow): LedgerEntryRecord => ({
  seq: BigInt(row.seq),
  entryId: row.entry_id,
  transactionId: row.transaction_id,
  kind: row.kind as LedgerEntryKind,
  debitAccount: row.debit_account,
  creditAccount: row.credit_account,
  amount: BigInt(row.amount),
  debitBalanceAfter: optionalBigInt(row.debit_balance_after),
  creditBalanceAfter: optionalBigInt(row.credit_balance_after),
  createdAt: row.created_at,
});

function reads(q: Queryable): AssetReads {
  return {
    async liveCharacters(characterIds) {
      const { rows } = await q.query<{ character_id: string; player_id: string }>(
        "SELECT character_id, player_id FROM characters WHERE character_id = ANY($1::uuid[]) AND deleted_at IS NULL",
        [characterIds],
      );
      return new Map(rows.map((r) => [r.character_id, r.player_id]));
    },
    async giftsRestricted(playerIds, now) {
      const { rows } = await q.query<{ player_id: string }>(
        "SELECT DISTINCT player_id FROM gift_restrictions WHERE player_id = ANY($1::text[]) AND (until_at IS NULL OR until_at > $2)",
        [[...playerIds], now],
      );
      return new Set(rows.map((r) => r.player_id));
    },
    async listStacks(characterId, itemIds) {
      const { rows } = await q.query<StackRow>(
        `SELECT ${stackColumns} FROM item_stacks WHERE character_id = $1 AND ($2::uuid[] IS NULL OR item_id = ANY($2)) ORDER BY definition_id`,
        [characterId, itemIds ?? null],
      );
      return rows.map(toStack);
    },
    async balance(account) {
      const { rows } = await q.query<{ balance: string }>("SELECT balance FROM accounts WHERE account = $1", [account]);
      return BigInt(rows[0]?.balance ?? "0");
    },
    async wallet(characterId) {
      // One statement, so one snapshot for both numbers: a hold placed in between cannot count twice or not at all.
      const { rows } = await q.query<{ balance: string | null; held: string | null; debt: string | null }>(
        `SELECT (SELECT balance FROM accounts WHERE account = $1) AS balance,
                (SELECT sum(gold) FROM escrow_holds WHERE character_id = $2 AND status = 'held') AS held,
                (SELECT debt FROM accounts WHERE account = $1) AS debt`,
        [walletAccount(characterId), characterId],
      );
      return { balance: BigInt(rows[0]?.balance ?? "0"), held: BigInt(rows[0]?.held ?? "0"), debt: BigInt(rows[0]?.debt ?? "0") };
    },
    async ledgerPage(account, beforeSeq, limit) {
      // Each side walks its own index backwards and stops after `limit` rows, so a page costs the
      // same however long the account's history is (an OR of both sides scans the whole ledger by seq
      // for an account that is rarely in it).
      const side = (column: string) =>
        `(SELECT ${entryColumns} FROM ledger_entries WHERE ${column} = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3)`;
      const { rows } = await q.query<EntryRow>(`${side("debit_account")} UNION ALL ${side("credit_account")} ORDER BY seq DESC LIMIT $3`, [
        account,
        beforeSeq?.toString() ?? null,
        limit,
      ]);
      return rows.map(toEntry);
    },
  };
}

/** Inventory's assets in PostgreSQL; `source` is the ce_source of its events. */
export function createAssetStore(db: Database, source: string): AssetStore {
  const within = (client: pg.PoolClient): AssetTransaction => ({
    ...reads(client),
    async lockAccount(account) {
      const locked = await client.query("SELECT 1 FROM accounts WHERE account = $1 FOR UPDATE", [account]);
      if (locked.rowCount === 1) return;
      // No row yet: inserting it holds it; a concurrent first insert is waited for, and the no-op update then locks that row.
      await client.query("INSERT INTO accounts (account, balance) VALUES ($1, 0) ON CONFLICT (account) DO UPDATE SET balance = accounts.balance", [account]);
    },
    async creditAccount(account, amount) {
      const { rows } = await client.query<{ balance: string; debt: string }>(
        `INSERT INTO accounts (account, balance) VALUES ($1, $2)
         ON CONFLICT (account) DO UPDATE SET balance = accounts.balance + EXCLUDED.balance RETURNING balance, debt`,
        [account, amount.toString()],
      );
      return { balance: BigInt(rows[0]!.balance), debt: BigInt(rows[0]!.debt) };
    },
    async debitAccount(account, amount) {
      // The check and the debit in one statement: a concurrent debit is waited for, then the condition is evaluated again on its result.
      const { rows } = await client.query<{ balance: string }>("UPDATE accounts SET balance = balance - $2 WHERE account = $1 AND balance >= $2 RETURNING balance", [
        account,
        amount.toString(),
      ]);
      return rows[0] === undefined ? undefined : BigInt(rows[0].balance);
    },
    async appendEntry(entry) {
      const { rows } = await client.query<EntryRow>(
        `INSERT INTO ledger_entries (entry_id, transaction_id, kind, debit_account, credit_account, amount, debit_balance_after, credit_balance_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${entryColumns}`,
        [
          randomUUID(),
          entry.transactionId,
          entry.kind,
          entry.debitAccount,
          entry.creditAccount,
          entry.amount.toString(),
          entry.debitBalanceAfter?.toString() ?? null,
          entry.creditBalanceAfter?.toString() ?? null,
        ],
      );
      return toEntry(rows[0]!);
    },
    async addDebt(account, amount) {
      const { rows } = await client.query<{ debt: string }>(
        `INSERT INTO accounts (account, balance, debt) VALUES ($1, 0, $2)
         ON CONFLICT (account) DO UPDATE SET debt = accounts.debt + EXCLUDED.debt RETURNING debt`,
        [account, amount.toString()],
      );
      return BigInt(rows[0]!.debt);
    },
    async repayDebt(account) {
      const { rows } = await client.query<{ paid: string; balance: string; debt: string }>(
        `UPDATE accounts a SET balance = a.balance - p.paid, debt = a.debt - p.paid
         FROM (SELECT account, LEAST(balance, debt) AS paid FROM accounts WHERE account = $1 FOR UPDATE) p
         WHERE a.account = p.account AND p.paid > 0
         RETURNING p.paid, a.balance, a.debt`,
        [account],
      );
      const row = rows[0];
      return row === undefined ? undefined : { paid: BigInt(row.paid), balance: BigInt(row.balance), debt: BigInt(row.debt) };
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
      // The hold and its items in one statement (the items' foreign key sees the hold inserted by the same statement).
      await client.query(
        `WITH hold AS (INSERT INTO escrow_holds (hold_id, character_id, gold, status) VALUES ($1, $2, $3, 'held'))
         INSERT INTO escrow_hold_items (hold_id, item_id, definition_id, quantity)
         SELECT $1, item_id, definition_id, quantity FROM unnest($4::uuid[], $5::text[], $6::bigint[]) AS t(item_id, definition_id, quantity)`,
        [
          hold.holdId,
          hold.characterId,
          hold.gold.toString(),
          hold.items.map((i) => i.itemId),
          hold.items.map((i) => i.definitionId),
          hold.items.map((i) => i.quantity.toString()),
        ],
      );
    },
    async lockHold(holdId) {
      // The hold row locked, its items read with it (quantities as text: JSON numbers are doubles).
      const { rows } = await client.query<{
        hold_id: string;
        character_id: string;
        gold: string;
        status: HoldStatus;
        to_character_id: string | null;
        items: { item_id: string; definition_id: string; quantity: string }[];
      }>(
        `SELECT hold_id, character_id, gold, status, to_character_id,
                (SELECT coalesce(json_agg(json_build_object('item_id', i.item_id, 'definition_id', i.definition_id, 'quantity', i.quantity::text) ORDER BY i.item_id), '[]')
                   FROM escrow_hold_items i WHERE i.hold_id = h.hold_id) AS items
         FROM escrow_holds h WHERE hold_id = $1 FOR UPDATE`,
        [holdId],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        holdId: row.hold_id,
        characterId: row.character_id,
        gold: BigInt(row.gold),
        status: row.status,
        toCharacterId: row.to_character_id ?? undefined,
        items: row.items.map((i): HeldItemRecord => ({ itemId: i.item_id, definitionId: i.definition_id, quantity: BigInt(i.quantity) })),
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
    async insertGiftRestriction(actionId, playerId, until) {
      // A redelivered ActionApplied changes nothing; its ActionLifted removes the row.
      await client.query("INSERT INTO gift_restrictions (action_id, player_id, until_at) VALUES ($1, $2, $3) ON CONFLICT (action_id) DO NOTHING", [actionId, playerId, until ?? null]);
    },
    async removeGiftRestriction(actionId) {
      await client.query("DELETE FROM gift_restrictions WHERE action_id = $1", [actionId]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    ...reads(db.pool),
    transaction: (work) => db.transaction((client) => work(within(client))),
    within,
  };
}
