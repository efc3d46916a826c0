/**
 * Ledger account names. Gold is never created or destroyed inside the ledger:
 * grants move it out of the mint, spends into the sink, so the sum of all
 * accounts' balances is always zero.
 */
export const mintAccount = "mint";
export const sinkAccount = "sink";

export function walletAccount(characterId: string): string {
  return `wallet:${characterId}`;
}

export function escrowAccount(holdId: string): string {
  return `escrow:${holdId}`;
}
