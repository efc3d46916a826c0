import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { AssetStore, AssetTransaction } from "../store/asset-store.js";
import type { StackRecord, WalletRecord } from "./asset-records.js";
import { itemsGranted, type ItemQuantity } from "./asset-events.js";
import { moveGold } from "./gold-movements.js";
import { jsonResult, once } from "./idempotency.js";
import { addItems, normalizedGrants } from "./item-movements.js";
import { mintAccount, sinkAccount, walletAccount } from "./ledger-accounts.js";

/** A gold movement another service asks for; `idempotencyKey` makes its retries harmless. */
export interface GoldRequest {
  readonly characterId: string;
  readonly amount: bigint;
  readonly idempotencyKey: string;
  readonly reason: string;
}

/** An item grant another service asks for. */
export interface ItemsRequest {
  readonly characterId: string;
  readonly items: readonly ItemQuantity[];
  readonly idempotencyKey: string;
  readonly reason: string;
}

/** Grants and spends for other services (rewards, purchases), each idempotent by its key. */
export interface Grants {
  grantGold(request: GoldRequest): Promise<WalletRecord>;
  spendGold(request: GoldRequest): Promise<WalletRecord>;
  grantItems(request: ItemsRequest): Promise<StackRecord[]>;
}

const walletResult = jsonResult<WalletRecord>();
const stacksResult = jsonResult<StackRecord[]>();

/** Gold from the mint into a wallet, inside the caller's transaction (no idempotency of its own). */
export async function mintGold(tx: AssetTransaction, characterId: string, amount: bigint, at: Date): Promise<WalletRecord> {
  const { events } = await moveGold(tx, { kind: LedgerEntryKind.GRANT, from: mintAccount, to: walletAccount(characterId), amount }, at);
  await tx.publish(events);
  return { characterId, ...(await tx.wallet(characterId)) };
}

/** Items into a character's stacks, inside the caller's transaction. */
export async function mintItems(tx: AssetTransaction, characterId: string, items: readonly ItemQuantity[], reason: string, at: Date): Promise<StackRecord[]> {
  const grants = normalizedGrants(items);
  await tx.lockAccount(walletAccount(characterId));
  const stacks = await addItems(tx, characterId, grants);
  await tx.publish([itemsGranted(characterId, grants, reason, at)]);
  return stacks;
}

export function createGrants(store: AssetStore): Grants {
  return {
    grantGold: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "grant_gold", [request.characterId, request.amount, request.reason], walletResult, () =>
          mintGold(tx, request.characterId, request.amount, new Date()),
        ),
      ),
    spendGold: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "spend_gold", [request.characterId, request.amount, request.reason], walletResult, async () => {
          const { characterId, amount } = request;
          const { events } = await moveGold(tx, { kind: LedgerEntryKind.SPEND, from: walletAccount(characterId), to: sinkAccount, amount }, new Date());
          await tx.publish(events);
          return { characterId, ...(await tx.wallet(characterId)) };
        }),
      ),
    grantItems: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "grant_items", [request.characterId, request.items, request.reason], stacksResult, () =>
          mintItems(tx, request.characterId, request.items, request.reason, new Date()),
        ),
      ),
  };
}
