import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import type { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetTransaction } from "../store/asset-store.js";
import { goldCredited, goldDebited } from "./asset-events.js";
import { walletAccount } from "./ledger-accounts.js";

/** One side of a movement: the wallet, and the ledger account on the other side. */
export interface WalletTransfer {
  readonly characterId: string;
  readonly amount: bigint;
  readonly kind: LedgerEntryKind;
  /** The account the gold comes from (credit) or goes to (debit): mint, sink, an escrow account. */
  readonly counterAccount: string;
  /** Groups the entries of one movement; a new id when omitted. */
  readonly transactionId?: string;
}

/**
 * Moves gold into a wallet and returns its balance afterwards. The caller
 * holds the wallet's lock (lockAssets), so the balance read here is the one
 * the entry is written against.
 */
export async function creditWallet(tx: AssetTransaction, transfer: WalletTransfer, at: Date): Promise<bigint> {
  const balanceAfter = (await tx.balance(transfer.characterId)) + transfer.amount;
  const entry = await tx.appendEntry({
    transactionId: transfer.transactionId ?? randomUUID(),
    kind: transfer.kind,
    debitAccount: transfer.counterAccount,
    creditAccount: walletAccount(transfer.characterId),
    amount: transfer.amount,
    balanceAfter,
  });
  await tx.publish([goldCredited({ characterId: transfer.characterId, amount: transfer.amount, balanceAfter, transactionId: entry.transactionId, kind: transfer.kind }, at)]);
  return balanceAfter;
}

/**
 * Moves gold out of a wallet, never below zero: INSUFFICIENT_FUNDS (with the
 * balance and the amount required) when the wallet holds less. The caller
 * holds the wallet's lock.
 */
export async function debitWallet(tx: AssetTransaction, transfer: WalletTransfer, at: Date): Promise<bigint> {
  const balance = await tx.balance(transfer.characterId);
  if (balance < transfer.amount) {
    throw new DomainError(ErrorReason.INSUFFICIENT_FUNDS, `the wallet holds ${balance} gold; ${transfer.amount} needed`, {
      balance: balance.toString(),
      required: transfer.amount.toString(),
    });
  }
  const balanceAfter = balance - transfer.amount;
  const entry = await tx.appendEntry({
    transactionId: transfer.transactionId ?? randomUUID(),
    kind: transfer.kind,
    debitAccount: walletAccount(transfer.characterId),
    creditAccount: transfer.counterAccount,
    amount: transfer.amount,
    balanceAfter,
  });
  await tx.publish([goldDebited({ characterId: transfer.characterId, amount: transfer.amount, balanceAfter, transactionId: entry.transactionId, kind: transfer.kind }, at)]);
  return balanceAfter;
}
