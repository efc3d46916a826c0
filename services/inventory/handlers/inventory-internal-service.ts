import type { ServiceImpl } from "@connectrpc/connect";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import type { AssetViews } from "../core/asset-views.js";
import type { Clawbacks } from "../core/clawbacks.js";
import type { Escrow } from "../core/escrow.js";
import type { GoldTransfers } from "../core/gold-transfers.js";
import type { Grants } from "../core/grants.js";
import { fromLedgerAccount, toItemStack, toLedgerEntry, toWallet } from "./asset-messages.js";
import { decodeLedgerPageToken, defaultLedgerPageSize, encodeLedgerPageToken } from "./page-token.js";

/** The core the internal API calls into. */
export interface InternalCore {
  readonly grants: Grants;
  readonly clawbacks: Clawbacks;
  readonly escrow: Escrow;
  readonly transfers: GoldTransfers;
  readonly views: AssetViews;
}

/** The internal API: other services (by workload identity, see authorization.json) move gold and items. */
export function createInventoryInternalHandlers({ grants, clawbacks, escrow, transfers, views }: InternalCore): ServiceImpl<typeof InventoryInternalService> {
  return {
    async grantItems(request) {
      const items = request.items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity }));
      const stacks = await grants.grantItems({ characterId: request.characterId, items, idempotencyKey: request.idempotencyKey, reason: request.reason });
      return { items: stacks.map(toItemStack) };
    },
    async grantGold(request) {
      const { characterId, amount, idempotencyKey, reason } = request;
      return { wallet: toWallet(await grants.grantGold({ characterId, amount, idempotencyKey, reason })) };
    },
    async spendGold(request) {
      const { characterId, amount, idempotencyKey, reason } = request;
      return { wallet: toWallet(await grants.spendGold({ characterId, amount, idempotencyKey, reason })) };
    },
    async clawbackGold(request) {
      const { characterId, amount, idempotencyKey, reason } = request;
      const result = await clawbacks.clawbackGold({ characterId, amount, idempotencyKey, reason });
      return { wallet: toWallet(result.wallet), recovered: result.recovered, debtRecorded: result.debtRecorded };
    },
    async placeEscrowHold(request) {
      const items = request.items.map((i) => ({ itemId: i.itemId, quantity: i.quantity }));
      return { holdId: await escrow.place({ characterId: request.characterId, items, gold: request.gold, idempotencyKey: request.idempotencyKey }) };
    },
    async releaseEscrowHold(request) {
      await escrow.release(request.holdId);
      return {};
    },
    async transferEscrowHold(request) {
      await escrow.transfer(request.holdId, request.toCharacterId);
      return {};
    },
    async transferEscrowHolds(request) {
      await escrow.transferAll(request.transfers.map((t) => ({ holdId: t.holdId, toCharacterId: t.toCharacterId })));
      return {};
    },
    async moveGold(request) {
      const { amount, idempotencyKey, reason } = request;
      return transfers.move({ from: fromLedgerAccount(request.from), to: fromLedgerAccount(request.to), amount, idempotencyKey, reason });
    },
    async getAccountBalance(request) {
      return { balance: await views.accountBalance(fromLedgerAccount(request.account)) };
    },
    async listAccountEntries(request) {
      const account = fromLedgerAccount(request.account);
      const pageSize = request.pageSize === 0 ? defaultLedgerPageSize : request.pageSize;
      const page = await views.accountEntries(account, decodeLedgerPageToken(account, request.pageToken), pageSize);
      return {
        entries: page.entries.map((entry) => toLedgerEntry(entry, account)),
        nextPageToken: page.nextBeforeSeq === undefined ? "" : encodeLedgerPageToken(account, page.nextBeforeSeq),
      };
    },
    async listCharacterItems(request) {
      return { items: (await views.characterItems(request.characterId, request.itemIds)).map(toItemStack) };
    },
  };
}
