import type { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";

/** A quantity of one item definition owned by a character. */
export interface StackRecord {
  readonly itemId: string;
  readonly characterId: string;
  readonly definitionId: string;
  /** Every item of the stack, held ones included. */
  readonly quantity: bigint;
  /** The part locked in escrow. */
  readonly heldQuantity: bigint;
}

/** One row of the double-entry ledger. */
export interface LedgerEntryRecord {
  /** Position in the ledger (newest is highest). */
  readonly seq: bigint;
  readonly entryId: string;
  readonly transactionId: string;
  readonly kind: LedgerEntryKind;
  readonly debitAccount: string;
  readonly creditAccount: string;
  readonly amount: bigint;
  /** The debit account's balance after the entry; undefined for an account that keeps none (mint, sink, escrow). */
  readonly debitBalanceAfter: bigint | undefined;
  /** The credit account's balance after the entry; undefined for an account that keeps none. */
  readonly creditBalanceAfter: bigint | undefined;
  readonly createdAt: Date;
}

/** A ledger entry about to be written. */
export type NewLedgerEntry = Omit<LedgerEntryRecord, "seq" | "entryId" | "createdAt">;

/** A character's gold: spendable, and locked in open escrow holds. */
export interface WalletRecord {
  readonly characterId: string;
  readonly balance: bigint;
  readonly held: bigint;
  /** Gold owed after a clawback found the wallet short. */
  readonly debt: bigint;
}

export type HoldStatus = "held" | "released" | "transferred";

/** Assets of one character locked for a trade. */
export interface HoldRecord {
  readonly holdId: string;
  readonly characterId: string;
  readonly gold: bigint;
  readonly status: HoldStatus;
  /** The receiver, once transferred. */
  readonly toCharacterId: string | undefined;
  readonly items: readonly HeldItemRecord[];
}

export interface HeldItemRecord {
  readonly itemId: string;
  readonly definitionId: string;
  readonly quantity: bigint;
}
