import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ItemRarity,
  ItemStackSchema,
  LedgerEntrySchema,
  WalletSchema,
  type ItemStack,
  type LedgerEntry,
  type Wallet,
} from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { LedgerEntryRecord, StackRecord, WalletRecord } from "../core/asset-records.js";
import { itemDefinition } from "../core/item-definitions.js";

export function toItemStack(stack: StackRecord): ItemStack {
  const definition = itemDefinition(stack.definitionId);
  return create(ItemStackSchema, {
    itemId: stack.itemId,
    definitionId: stack.definitionId,
    displayName: definition?.displayName ?? stack.definitionId,
    rarity: definition?.rarity ?? ItemRarity.UNSPECIFIED,
    quantity: stack.quantity,
    heldQuantity: stack.heldQuantity,
  });
}

export function toWallet(wallet: WalletRecord): Wallet {
  return create(WalletSchema, { characterId: wallet.characterId, balance: wallet.balance, held: wallet.held });
}

export function toLedgerEntry(entry: LedgerEntryRecord): LedgerEntry {
  return create(LedgerEntrySchema, {
    entryId: entry.entryId,
    transactionId: entry.transactionId,
    kind: entry.kind,
    debitAccount: entry.debitAccount,
    creditAccount: entry.creditAccount,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    createTime: timestampFromDate(entry.createdAt),
  });
}
