import type { ItemStack, Wallet } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { Api } from "./api.js";

/**
 * One character's gold and item stacks as inventory last reported them,
 * shared by the views that move them (trades, the guild bank) so that what
 * one view changes the others show at once.
 */
export interface Purse {
  /** Undefined until the first read answers. */
  readonly wallet: Wallet | undefined;
  readonly items: readonly ItemStack[];
  /** Re-reads wallet and stacks (concurrent callers share one read); a failure is thrown to the caller. */
  refresh(): Promise<void>;
  /** Takes a balance an RPC just answered with, before the next read. */
  setBalance(balance: bigint): void;
  /** Calls `listener` after every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** Creates the purse of `characterId`; nothing is read until the first refresh. */
export function createPurse(api: Api, characterId: string): Purse {
  let wallet: Wallet | undefined;
  let items: readonly ItemStack[] = [];
  let reading: Promise<void> | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  return {
    get wallet() {
      return wallet;
    },
    get items() {
      return items;
    },
    refresh() {
      reading ??= Promise.all([api.inventory.getWallet({ characterId }), api.inventory.listItems({ characterId })])
        .then(([walletResponse, itemsResponse]) => {
          wallet = walletResponse.wallet;
          items = itemsResponse.items.filter((stack) => stack.quantity > 0n);
          changed();
        })
        .finally(() => {
          reading = undefined;
        });
      return reading;
    },
    setBalance(balance) {
      if (wallet === undefined || wallet.balance === balance) return;
      wallet = { ...wallet, balance };
      changed();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
