import type { ItemStack, Wallet } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { Api } from "./api.js";
import type { Disposable } from "./dom.js";
import { poll } from "./poll.js";

/** How often the purse is re-read besides after every change a view makes or sees (grants come from elsewhere too). */
const purseIntervalMs = 10_000;
/**
 * How often it is read until a first read succeeds: inventory learns of a new
 * character from player's events, a moment after it is created, and refuses
 * to show it until then.
 */
const firstReadIntervalMs = 1_000;

/**
 * One character's gold and item stacks as inventory last reported them,
 * shared by the views that move them (trades, the guild bank) so that what
 * one view changes the others show at once.
 */
export interface Purse extends Disposable {
  /** Undefined until the first read answers. */
  readonly wallet: Wallet | undefined;
  readonly items: readonly ItemStack[];
  /** Why the last read failed; undefined once one succeeds. */
  readonly failure: unknown;
  /** Re-reads wallet and stacks now (concurrent callers share one read); a failure is thrown to the caller. */
  refresh(): Promise<void>;
  /** Takes a balance an RPC just answered with, before the next read. */
  setBalance(balance: bigint): void;
  /** Calls `listener` after every change, a failed read included; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** Creates the purse of `characterId` and starts reading it. */
export function createPurse(api: Api, characterId: string): Purse {
  let wallet: Wallet | undefined;
  let items: readonly ItemStack[] = [];
  let failure: unknown;
  let reading: Promise<void> | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const refresh = () => {
    reading ??= Promise.all([api.inventory.getWallet({ characterId }), api.inventory.listItems({ characterId })])
      .then(
        ([walletResponse, itemsResponse]) => {
          wallet = walletResponse.wallet;
          items = itemsResponse.items.filter((stack) => stack.quantity > 0n);
          failure = undefined;
          changed();
        },
        (error: unknown) => {
          failure = error;
          changed();
          throw error;
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const stop = poll(refresh, () => (wallet === undefined ? firstReadIntervalMs : purseIntervalMs));
  return {
    get wallet() {
      return wallet;
    },
    get items() {
      return items;
    },
    get failure() {
      return failure;
    },
    refresh,
    setBalance(balance) {
      if (wallet === undefined || wallet.balance === balance) return;
      wallet = { ...wallet, balance };
      changed();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: stop,
  };
}
