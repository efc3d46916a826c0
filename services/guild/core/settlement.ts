import { ErrorReason } from "@chaos/gen/chaos/guild/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { LedgerRefusal } from "./guild-ledger.js";
import { characterNotFound } from "./refusals.js";

/**
 * Where an intent is after one attempt to settle it with inventory:
 * "settled" (the gold moved and guild recorded it), "refused" (inventory
 * definitely did not move it; the intent was undone), "pending" (no answer:
 * the intent and its job stay, and the job asks again) or "gone" (undone by
 * an earlier attempt).
 */
export type Settlement<T> =
  | { readonly kind: "settled"; readonly value: T }
  | { readonly kind: "refused"; readonly refusal: LedgerRefusal }
  | { readonly kind: "pending" }
  | { readonly kind: "gone" };

/** The job's view: an outcome still unknown is a failure of this run, so the worker runs it again (with backoff). */
export function requireSettled(settlement: Settlement<unknown>, what: string): void {
  if (settlement.kind === "pending") throw new Error(`${what}: inventory's answer is still unknown; asking again later`);
}

/**
 * The guild refusal a caller gets for inventory's: INSUFFICIENT_FUNDS for
 * the character's wallet, INSUFFICIENT_BANK_FUNDS for the guild's bank,
 * CHARACTER_NOT_FOUND for a wallet that is gone. Anything else inventory
 * rejected is a bug of ours, not the caller's: an internal error.
 */
export function refusalError(refusal: LedgerRefusal, payer: "wallet" | "bank", characterId: string): Error {
  const amounts = { balance: refusal.metadata.balance ?? "", required: refusal.metadata.required ?? "" };
  switch (refusal.reason) {
    case "insufficient_funds":
      return payer === "wallet"
        ? new DomainError(ErrorReason.INSUFFICIENT_FUNDS, `your wallet holds ${amounts.balance} gold; ${amounts.required} needed`, amounts)
        : new DomainError(ErrorReason.INSUFFICIENT_BANK_FUNDS, `the guild bank holds ${amounts.balance} gold; ${amounts.required} asked for`, amounts);
    case "character_not_found":
      return characterNotFound(characterId);
    case "rejected":
      return new Error(`inventory rejected a gold movement: ${refusal.message}`);
  }
}
