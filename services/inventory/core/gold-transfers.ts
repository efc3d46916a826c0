import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetStore, AssetTransaction } from "../store/asset-store.js";
import { moveGold } from "./gold-movements.js";
import { jsonResult, once } from "./idempotency.js";
import { walletOwner } from "./ledger-accounts.js";
import { requireLive } from "./live-characters.js";

/** Gold another service moves between two accounts that hold it for players (wallets, guild banks). */
export interface TransferRequest {
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
  readonly idempotencyKey: string;
  readonly reason: string;
}

/** The movement's ledger transaction and both balances afterwards. */
export interface TransferResult {
  readonly transactionId: string;
  readonly fromBalance: bigint;
  readonly toBalance: bigint;
}

/** Transfers between players' accounts (guild deposits and withdrawals, gifts), each idempotent by its key. */
export interface GoldTransfers {
  move(request: TransferRequest): Promise<TransferResult>;
}

const transferResult = jsonResult<TransferResult>();

/** SAME_ACCOUNT before anything else: gold moving to where it already is would only clutter the ledger. */
export function requireTwoAccounts(from: string, to: string): void {
  if (from === to) throw new DomainError(ErrorReason.SAME_ACCOUNT, "gold cannot move from an account to itself", { account: from });
}

/**
 * Moves gold between two players' accounts inside the caller's transaction,
 * as one TRANSFER entry: CHARACTER_NOT_FOUND when a side is the wallet of a
 * character that is unknown or deleted, INSUFFICIENT_FUNDS when the payer
 * holds less (nothing moves then).
 */
export async function transferGold(tx: AssetTransaction, from: string, to: string, amount: bigint, at: Date): Promise<TransferResult> {
  await requireLive(tx, [from, to].map(walletOwner).filter((id) => id !== undefined));
  const { entry, events, toBalance } = await moveGold(tx, { kind: LedgerEntryKind.TRANSFER, from, to, amount }, at);
  await tx.publish(events);
  // The receiver's balance after any debt it repaid (see ClawbackGold).
  return { transactionId: entry.transactionId, fromBalance: entry.debitBalanceAfter ?? 0n, toBalance: toBalance ?? 0n };
}

export function createGoldTransfers(store: AssetStore): GoldTransfers {
  return {
    move(request) {
      requireTwoAccounts(request.from, request.to);
      return store.transaction((tx) =>
        once(tx, request.idempotencyKey, "move_gold", [request.from, request.to, request.amount, request.reason], transferResult, () =>
          transferGold(tx, request.from, request.to, request.amount, new Date()),
        ),
      );
    },
  };
}
