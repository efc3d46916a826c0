import type { AssetStore } from "../store/asset-store.js";
import type { StackRecord } from "./asset-records.js";
import { walletOwner } from "./ledger-accounts.js";
import { ledgerPage, type LedgerPage } from "./ledger-pages.js";
import { requireLive } from "./live-characters.js";

/** What other services see of any character's or guild's assets (a guild's bank, a trade partner's items). */
export interface AssetViews {
  /** A wallet's or a bank's balance; a bank never used holds zero, a wallet of an unknown or deleted character is CHARACTER_NOT_FOUND. */
  accountBalance(account: string): Promise<bigint>;
  /** An account's movements, newest first; a deleted character's history stays readable. */
  accountEntries(account: string, beforeSeq: bigint | undefined, pageSize: number): Promise<LedgerPage>;
  /** Stacks of a live character (CHARACTER_NOT_FOUND otherwise): all, or those among `itemIds` when it is not empty. */
  characterItems(characterId: string, itemIds: readonly string[]): Promise<StackRecord[]>;
}

export function createAssetViews(store: AssetStore): AssetViews {
  return {
    async accountBalance(account) {
      const owner = walletOwner(account);
      if (owner !== undefined) await requireLive(store, [owner]);
      return store.balance(account);
    },
    accountEntries: (account, beforeSeq, pageSize) => ledgerPage(store, account, beforeSeq, pageSize),
    async characterItems(characterId, itemIds) {
      await requireLive(store, [characterId]);
      return store.listStacks(characterId, itemIds.length === 0 ? undefined : itemIds);
    },
  };
}
