/**
 * Ledger account names. Gold is never created or destroyed inside the ledger:
 * grants move it out of the mint, spends into the sink, so the sum of all
 * accounts' balances is always zero.
 */
export const mintAccount = "mint";
export const sinkAccount = "sink";

const walletPrefix = "wallet:";
const guildPrefix = "guild:";

/** A character's wallet. */
export function walletAccount(characterId: string): string {
  return `${walletPrefix}${characterId}`;
}

/** A guild's bank, opened by its first deposit. */
export function guildAccount(guildId: string): string {
  return `${guildPrefix}${guildId}`;
}

export function escrowAccount(holdId: string): string {
  return `escrow:${holdId}`;
}

/**
 * Whether the account holds gold for someone (a wallet or a guild bank): it
 * keeps a running balance, locked and changed by every movement, that never
 * goes below zero. The mint, the sink and escrow accounts keep none.
 */
export function keepsBalance(account: string): boolean {
  return account.startsWith(walletPrefix) || account.startsWith(guildPrefix);
}

/** The character whose wallet `account` is, or undefined for any other account. */
export function walletOwner(account: string): string | undefined {
  return account.startsWith(walletPrefix) ? account.slice(walletPrefix.length) : undefined;
}

/** The global order in which a transaction locks several accounts, so that two never wait on each other. */
export function byAccountName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
