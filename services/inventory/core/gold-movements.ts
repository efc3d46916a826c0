import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import type { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError, type OutgoingEvent } from "@chaos/mesh/domain";
import type { AssetTransaction } from "../store/asset-store.js";
import type { LedgerEntryRecord } from "./asset-records.js";
import { goldCredited, goldDebited } from "./asset-events.js";
import { byAccountName, keepsBalance, walletOwner } from "./ledger-accounts.js";

/** Gold moving from one ledger account to another, written as one entry. */
export interface GoldMovement {
  readonly kind: LedgerEntryKind;
  /** The account the gold leaves (the entry's debit side). */
  readonly from: string;
  /** The account the gold enters (the credit side). */
  readonly to: string;
  readonly amount: bigint;
}

/** What a movement wrote: its entry, and the wallet events describing it for the caller to publish along with its own. */
export interface MovedGold {
  readonly entry: LedgerEntryRecord;
  readonly events: readonly OutgoingEvent[];
}

/**
 * Moves gold as one ledger entry. Each side that keeps a balance (a wallet,
 * a guild bank) is locked by the statement that changes it; the side that
 * pays only when it holds enough (INSUFFICIENT_FUNDS, with the balance and
 * the amount required, otherwise). Those sides and `alsoLock` (accounts whose
 * owners' items the caller moves too) are taken in one global order, so two
 * movements between the same accounts in opposite directions cannot
 * deadlock. The caller must not hold a lock on an account that sorts after
 * one taken here.
 */
export async function moveGold(tx: AssetTransaction, movement: GoldMovement, at: Date, alsoLock: readonly string[] = []): Promise<MovedGold> {
  const balances = new Map<string, bigint>();
  const accounts = [...new Set([movement.from, movement.to, ...alsoLock])].filter(keepsBalance).sort(byAccountName);
  for (const account of accounts) {
    if (account === movement.from) balances.set(account, await debit(tx, account, movement.amount));
    else if (account === movement.to) balances.set(account, await tx.creditAccount(account, movement.amount));
    else await tx.lockAccount(account);
  }
  const entry = await tx.appendEntry({
    transactionId: randomUUID(),
    kind: movement.kind,
    debitAccount: movement.from,
    creditAccount: movement.to,
    amount: movement.amount,
    debitBalanceAfter: balances.get(movement.from),
    creditBalanceAfter: balances.get(movement.to),
  });
  return { entry, events: walletEvents(entry, at) };
}

/** Locks accounts (without moving gold) in the same global order as moveGold. */
export async function lockAccounts(tx: AssetTransaction, accounts: readonly string[]): Promise<void> {
  for (const account of [...new Set(accounts)].sort(byAccountName)) await tx.lockAccount(account);
}

async function debit(tx: AssetTransaction, account: string, amount: bigint): Promise<bigint> {
  const after = await tx.debitAccount(account, amount);
  if (after !== undefined) return after;
  const balance = await tx.balance(account);
  const holder = walletOwner(account) === undefined ? "the guild bank" : "the wallet";
  throw new DomainError(ErrorReason.INSUFFICIENT_FUNDS, `${holder} holds ${balance} gold; ${amount} needed`, {
    balance: balance.toString(),
    required: amount.toString(),
  });
}

/** GoldDebited and GoldCredited for the wallets of the entry; a guild bank's side has no character to tell. */
function walletEvents(entry: LedgerEntryRecord, at: Date): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  const movement = { amount: entry.amount, transactionId: entry.transactionId, kind: entry.kind };
  const payer = walletOwner(entry.debitAccount);
  if (payer !== undefined) events.push(goldDebited({ ...movement, characterId: payer, balanceAfter: entry.debitBalanceAfter ?? 0n }, at));
  const payee = walletOwner(entry.creditAccount);
  if (payee !== undefined) events.push(goldCredited({ ...movement, characterId: payee, balanceAfter: entry.creditBalanceAfter ?? 0n }, at));
  return events;
}
