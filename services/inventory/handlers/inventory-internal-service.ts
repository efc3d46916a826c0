import type { ServiceImpl } from "@connectrpc/connect";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import type { Escrow } from "../core/escrow.js";
import type { Grants } from "../core/grants.js";
import { toItemStack, toWallet } from "./asset-messages.js";

/** The internal API: other services (by workload identity, see authorization.json) move gold and items. */
export function createInventoryInternalHandlers(grants: Grants, escrow: Escrow): ServiceImpl<typeof InventoryInternalService> {
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
  };
}
