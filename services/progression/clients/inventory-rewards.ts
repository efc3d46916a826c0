import type { Client } from "@connectrpc/connect";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import type { RewardPayer } from "../core/follow-ups.js";

/**
 * Level rewards through inventory's GrantGold. The idempotency key makes the
 * call safe for the mesh to retry and for the job worker to repeat.
 * The client is made on first use: a world without inventory (a test stack)
 * fails that follow-up, not progression's start-up.
 */
export function createInventoryRewards(connect: () => Client<typeof InventoryInternalService>): RewardPayer {
  let inventory: Client<typeof InventoryInternalService> | undefined;
  return {
    async grantGold(characterId, amount, idempotencyKey, reason) {
      inventory ??= connect();
      await inventory.grantGold({ characterId, amount: BigInt(amount), idempotencyKey, reason });
    },
  };
}
