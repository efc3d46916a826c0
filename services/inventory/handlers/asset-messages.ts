import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ItemRarity,
  ItemStackSchema,
  LedgerEntrySchema,
  WalletSchema,
  type ItemStack,
  type LedgerAccount,
  type LedgerEntry,
  type Wallet,
} from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import type { LedgerEntryRecord, StackRecord, WalletRecord } from "../core/asset-records.js";
import { itemDefinition } from "../core/item-definitions.js";
import { guildAccount, walletAccount } from "../core/ledger-accounts.js";

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
  return create(WalletSchema, { characterId: wallet.characterId, balance: wallet.balance, held: wallet.held, debt: wallet.debt });
}

/** The ledger account a request names (validation has made sure it names one). */
export function fromLedgerAccount(account: LedgerAccount | undefined): string {
  switch (account?.owner.case) {
    case "characterId":
      return walletAccount(account.owner.value);
    case "guildId":
      return guildAccount(account.owner.value);
    default:
      throw new ConnectError("account must name a character or a guild", Code.InvalidArgument);
  }
}

/** An entry as the listing of `account` shows it: balance_after is that account's. */
export function toLedgerEntry(entry: LedgerEntryRecord, account: string): LedgerEntry {
  return create(LedgerEntrySchema, {
    entryId: entry.entryId,
    transactionId: entry.transactionId,
    kind: entry.kind,
    debitAccount: entry.debitAccount,
    creditAccount: entry.creditAccount,
    amount: entry.amount,
    balanceAfter: (entry.debitAccount === account ? entry.debitBalanceAfter : entry.creditBalanceAfter) ?? 0n,
    createTime: timestampFromDate(entry.createdAt),
  });
}
