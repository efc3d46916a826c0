import type { AssetsRecord } from "./trade-records.js";

/**
 * A definite refusal of inventory's: the assets are not there (too little
 * gold, a stack gone or locked) or the character is gone. Anything else a
 * call throws is an unknown outcome (the hold may or may not exist), which
 * the saga resolves by asking again with the same idempotency key.
 */
export class AssetsRefused extends Error {
  constructor(
    /** Inventory's ErrorInfo reason, e.g. "ERROR_REASON_INSUFFICIENT_FUNDS". */
    readonly inventoryReason: string,
    message: string,
  ) {
    super(message);
    this.name = "AssetsRefused";
  }

  /** The character does not exist or was deleted. */
  get characterGone(): boolean {
    return this.inventoryReason === "ERROR_REASON_CHARACTER_NOT_FOUND";
  }
}

/** A usable part of one of a character's stacks, as inventory shows it. */
export interface StackView {
  readonly definitionId: string;
  readonly displayName: string;
  /** Quantity not held in escrow. */
  readonly usable: bigint;
}

/** What the saga moves a hold to. */
export interface HoldTransfer {
  readonly holdId: string;
  readonly toCharacterId: string;
}

/**
 * Inventory as the trade saga sees it (clients/inventory-escrow.ts). Every
 * mutation is idempotent: a hold by its key, a release and a transfer by the
 * hold, so the saga may repeat any step after a crash.
 */
export interface Escrow {
  /** Locks the assets; the same key returns the same hold. Throws AssetsRefused when they are not there. */
  hold(characterId: string, assets: AssetsRecord, idempotencyKey: string): Promise<string>;
  /** Gives a hold's assets back to its owner; releasing a released hold succeeds. */
  release(holdId: string): Promise<void>;
  /** Gives each hold to its receiver, all in one inventory transaction or none. Throws AssetsRefused when a receiver is gone. */
  transfer(transfers: readonly HoldTransfer[]): Promise<void>;
  /** The named stacks the character has (others left out). Throws AssetsRefused (character gone). */
  stacks(characterId: string, itemIds: readonly string[]): Promise<ReadonlyMap<string, StackView>>;
  /** Spendable gold. Throws AssetsRefused (character gone). */
  balance(characterId: string): Promise<bigint>;
}
