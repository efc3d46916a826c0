import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError, type OutgoingEvent } from "@chaos/mesh/domain";
import type { AssetTransaction } from "../store/asset-store.js";
import type { LedgerEntryRecord } from "./asset-records.js";
import { goldCredited, goldDebited, goldDebtChanged } from "./asset-events.js";
import { sinkAccount } from "./ledger-accounts.js";
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
  /** The receiving account's balance once the movement (and any debt repayment it made) is done; undefined for one without a balance. */
  readonly toBalance: bigint | undefined;
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
  let payeeDebt = 0n;
  const accounts = [...new Set([movement.from, movement.to, ...alsoLock])].filter(keepsBalance).sort(byAccountName);
  for (const account of accounts) {
    if (account === movement.from) balances.set(account, await debit(tx, account, movement.amount));
    else if (account === movement.to) {
      const credited = await tx.creditAccount(account, movement.amount);
      balances.set(account, credited.balance);
      payeeDebt = credited.debt;
    }
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
  const events = walletEvents(entry, at);
  let toBalance = balances.get(movement.to);
  // Read with the credit, so a wallet without debt (nearly all) costs no statement more.
  if (payeeDebt > 0n && paysDebt(movement)) {
    const repaid = await repayDebt(tx, movement.to, at);
    events.push(...repaid.events);
    toBalance = repaid.balance ?? toBalance;
  }
  return { entry, events, toBalance };
}

/**
 * Whether gold entering the wallet is income that must first pay the
 * wallet's debt: a grant, a purchase, a received trade or transfer. Gold
 * coming back from the owner's own escrow hold was theirs already, and the
 * repayment itself must not repay again.
 */
function paysDebt(movement: GoldMovement): boolean {
  if (walletOwner(movement.to) === undefined) return false;
  return movement.kind !== LedgerEntryKind.ESCROW_RELEASE && movement.kind !== LedgerEntryKind.DEBT_REPAYMENT && movement.kind !== LedgerEntryKind.CLAWBACK;
}

/**
 * Pays a wallet's debt down from what it just received, in the caller's
 * transaction (the wallet is locked already): one DEBT_REPAYMENT entry from
 * the wallet to the sink, so the ledger shows where the income went.
 */
async function repayDebt(tx: AssetTransaction, wallet: string, at: Date): Promise<{ events: OutgoingEvent[]; balance: bigint | undefined }> {
  const repaid = await tx.repayDebt(wallet);
  if (repaid === undefined) return { events: [], balance: undefined };
  const entry = await tx.appendEntry({
    transactionId: randomUUID(),
    kind: LedgerEntryKind.DEBT_REPAYMENT,
    debitAccount: wallet,
    creditAccount: sinkAccount,
    amount: repaid.paid,
    debitBalanceAfter: repaid.balance,
    creditBalanceAfter: undefined,
  });
  return { events: [...walletEvents(entry, at), goldDebtChanged(walletOwner(wallet)!, -repaid.paid, repaid.debt, entry.transactionId, at)], balance: repaid.balance };
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
