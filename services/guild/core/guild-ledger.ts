import type { BankEntryRecord } from "./guild-records.js";

/** A ledger account gold can move between: a character's wallet or a guild's bank. */
export type LedgerAccountRef = { readonly characterId: string } | { readonly guildId: string };

/** Why inventory definitely did not move the gold (the call had no effect). */
export type LedgerRefusalReason =
  /** The paying account holds less than the amount. */
  | "insufficient_funds"
  /** The character does not exist or was deleted. */
  | "character_not_found"
  /** Anything else inventory rejected before acting (a bad argument, the policy). */
  | "rejected";

export interface LedgerRefusal {
  readonly reason: LedgerRefusalReason;
  readonly message: string;
  /** Inventory's ErrorInfo metadata (e.g. "balance", "required"). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The outcome of a gold movement asked of inventory. Every movement carries
 * an idempotency key, so "unknown" (no answer, a timeout, an unavailable
 * inventory) is safe to resolve by asking again with the same key: the
 * movement then happens once, or was refused.
 */
export type LedgerOutcome<T> =
  | { readonly kind: "done"; readonly value: T }
  | { readonly kind: "refused"; readonly refusal: LedgerRefusal }
  | { readonly kind: "unknown"; readonly cause: unknown };

/** Balances after a movement between two accounts. */
export interface Movement {
  readonly transactionId: string;
  readonly fromBalance: bigint;
  readonly toBalance: bigint;
}

/** A page of a bank's history, with inventory's token for the next one ("" on the last). */
export interface BankHistoryPage {
  readonly entries: readonly BankEntryRecord[];
  readonly nextPageToken: string;
}

/** Gold for guilds, kept by inventory: the only place gold moves. */
export interface GuildLedger {
  /** Debits a fee from a wallet to the sink. */
  chargeFee(characterId: string, amount: bigint, idempotencyKey: string, reason: string): Promise<LedgerOutcome<void>>;
  /** Moves gold between two accounts in one ledger transaction (never minted, never destroyed). */
  move(from: LedgerAccountRef, to: LedgerAccountRef, amount: bigint, idempotencyKey: string, reason: string): Promise<LedgerOutcome<Movement>>;
  /** A guild bank's balance; throws when inventory does not answer. */
  bankBalance(guildId: string): Promise<bigint>;
  /** A guild bank's movements, newest first; throws when inventory does not answer. */
  bankHistory(guildId: string, pageSize: number, pageToken: string): Promise<BankHistoryPage>;
}
