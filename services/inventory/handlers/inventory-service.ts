import type { ServiceImpl } from "@connectrpc/connect";
import type { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import type { CharacterAssets } from "../core/character-assets.js";
import { walletAccount } from "../core/ledger-accounts.js";
import { toItemStack, toLedgerEntry, toWallet } from "./asset-messages.js";
import { decodeLedgerPageToken, defaultLedgerPageSize, encodeLedgerPageToken } from "./page-token.js";

/** The public API: an authenticated player looks at and uses their own characters' assets (token subject = player id). */
export function createInventoryHandlers(assets: CharacterAssets): ServiceImpl<typeof InventoryService> {
  return {
    async listItems(request, context) {
      const { subject } = requirePrincipal(context);
      return { items: (await assets.listItems(subject, request.characterId)).map(toItemStack) };
    },
    async getWallet(request, context) {
      const { subject } = requirePrincipal(context);
      return { wallet: toWallet(await assets.wallet(subject, request.characterId)) };
    },
    async listLedgerEntries(request, context) {
      const { subject } = requirePrincipal(context);
      const pageSize = request.pageSize === 0 ? defaultLedgerPageSize : request.pageSize;
      const page = await assets.ledger(subject, request.characterId, decodeLedgerPageToken(request.characterId, request.pageToken), pageSize);
      return {
        entries: page.entries.map((entry) => toLedgerEntry(entry, walletAccount(request.characterId))),
        nextPageToken: page.nextBeforeSeq === undefined ? "" : encodeLedgerPageToken(request.characterId, page.nextBeforeSeq),
      };
    },
    async useItem(request, context) {
      const { subject } = requirePrincipal(context);
      return { item: toItemStack(await assets.useItem(subject, request.characterId, request.itemId, request.quantity, request.idempotencyKey)) };
    },
    async discardItem(request, context) {
      const { subject } = requirePrincipal(context);
      return { item: toItemStack(await assets.discardItem(subject, request.characterId, request.itemId, request.quantity)) };
    },
    async sendGold(request, context) {
      const { subject } = requirePrincipal(context);
      const { fromCharacterId, toCharacterId, amount, idempotencyKey } = request;
      return { wallet: toWallet(await assets.sendGold(subject, fromCharacterId, toCharacterId, amount, idempotencyKey)) };
    },
  };
}
