import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { DomainError } from "@chaos/mesh/server";
import type { RewardGranter } from "../core/participation.js";

/**
 * Rewards through inventory's GrantGold and GrantItems. Their idempotency
 * keys make the mesh's retries and a repeated claim harmless. A grant
 * inventory refuses for what it is (an item definition it does not know) is
 * REWARD_REFUSED with inventory's words; anything else (inventory away) stays
 * what it was, for the player to retry. The client is made on first use.
 */
export function createInventoryRewards(connect: () => Client<typeof InventoryInternalService>): RewardGranter {
  let inventory: Client<typeof InventoryInternalService> | undefined;
  const refused = (error: unknown) => {
    const e = ConnectError.from(error);
    if (e.code === Code.InvalidArgument || e.code === Code.FailedPrecondition || e.code === Code.NotFound) {
      return new DomainError(ErrorReason.REWARD_REFUSED, `inventory refused the reward: ${e.rawMessage}`, { detail: e.rawMessage });
    }
    return error;
  };
  return {
    async grantGold(characterId, amount, idempotencyKey, reason) {
      inventory ??= connect();
      await inventory.grantGold({ characterId, amount, idempotencyKey, reason }).catch((error: unknown) => Promise.reject(refused(error)));
    },
    async grantItems(characterId, items, idempotencyKey, reason) {
      inventory ??= connect();
      await inventory
        .grantItems({ characterId, items: items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity })), idempotencyKey, reason })
        .catch((error: unknown) => Promise.reject(refused(error)));
    },
  };
}
