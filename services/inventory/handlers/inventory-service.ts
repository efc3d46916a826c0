import type { ServiceImpl } from "@connectrpc/connect";
import type { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import type { CharacterAssets } from "../core/character-assets.js";
import { toItemStack, toLedgerEntry, toWallet } from "./asset-messages.js";
import { decodeLedgerPageToken, encodeLedgerPageToken } from "./page-token.js";

/** Ledger listings without a page size get this many entries per page. */
const defaultPageSize = 20;

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
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const page = await assets.ledger(subject, request.characterId, decodeLedgerPageToken(request.characterId, request.pageToken), pageSize);
      return {
        entries: page.entries.map(toLedgerEntry),
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
  };
}
