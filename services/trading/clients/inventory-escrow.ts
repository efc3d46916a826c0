import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { errorInfoOf } from "@chaos/mesh/server";
import { AssetsRefused, type Escrow } from "../core/escrow.js";

/** Codes by which inventory refuses for good: the same call would be refused again. */
const refusals = new Set([Code.FailedPrecondition, Code.NotFound, Code.InvalidArgument, Code.AlreadyExists]);

/** Each inventory call of a saga step gets this long; the job's lease is several times longer. */
const callTimeoutMs = 3_000;

/** Inventory's definite refusals as AssetsRefused; every other error is an unknown outcome and passes as it is. */
async function refusedAs<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ConnectError && refusals.has(error.code)) {
      throw new AssetsRefused(errorInfoOf(error)?.reason ?? "ERROR_REASON_UNSPECIFIED", error.rawMessage);
    }
    throw error;
  }
}

/**
 * The saga's escrow over inventory's internal API. The client is made on
 * first use: a world without inventory fails those steps (retried), not
 * trading's start-up.
 */
export function createInventoryEscrow(connect: () => Client<typeof InventoryInternalService>): Escrow {
  let client: Client<typeof InventoryInternalService> | undefined;
  const inventory = () => (client ??= connect());
  const options = { timeoutMs: callTimeoutMs };
  return {
    hold: (characterId, assets, idempotencyKey) =>
      refusedAs(async () => {
        const items = assets.items.map((i) => ({ itemId: i.itemId, quantity: i.quantity }));
        return (await inventory().placeEscrowHold({ characterId, items, gold: assets.gold, idempotencyKey }, options)).holdId;
      }),
    async release(holdId) {
      await inventory().releaseEscrowHold({ holdId }, options);
    },
    transfer: (transfers) =>
      refusedAs(async () => {
        await inventory().transferEscrowHolds({ transfers: transfers.map((t) => ({ holdId: t.holdId, toCharacterId: t.toCharacterId })) }, options);
      }),
    stacks: (characterId, itemIds) =>
      refusedAs(async () => {
        const { items } = await inventory().listCharacterItems({ characterId, itemIds: [...itemIds] }, options);
        return new Map(items.map((s) => [s.itemId, { definitionId: s.definitionId, displayName: s.displayName, usable: s.quantity - s.heldQuantity }]));
      }),
    balance: (characterId) => refusedAs(async () => (await inventory().getAccountBalance({ account: { owner: { case: "characterId", value: characterId } } }, options)).balance),
  };
}
