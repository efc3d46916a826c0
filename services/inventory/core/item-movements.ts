import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetTransaction } from "../store/asset-store.js";
import type { StackRecord } from "./asset-records.js";
import type { ItemQuantity } from "./asset-events.js";
import { itemDefinition } from "./item-definitions.js";

/**
 * The grants with one line per definition, in first-seen order; an unknown
 * definition is refused (UNKNOWN_ITEM_DEFINITION) before anything moves.
 */
export function normalizedGrants(items: readonly ItemQuantity[]): ItemQuantity[] {
  const merged = new Map<string, bigint>();
  for (const item of items) {
    if (itemDefinition(item.definitionId) === undefined) {
      throw new DomainError(ErrorReason.UNKNOWN_ITEM_DEFINITION, `there is no item "${item.definitionId}"`, { definition_id: item.definitionId });
    }
    merged.set(item.definitionId, (merged.get(item.definitionId) ?? 0n) + item.quantity);
  }
  return [...merged].map(([definitionId, quantity]) => ({ definitionId, quantity }));
}

/** Adds normalized grants to the character's stacks (the caller holds its asset lock); returns the stacks afterwards. */
export async function addItems(tx: AssetTransaction, characterId: string, items: readonly ItemQuantity[]): Promise<StackRecord[]> {
  const stacks: StackRecord[] = [];
  for (const item of items) stacks.push(await tx.addToStack(characterId, item.definitionId, item.quantity));
  return stacks;
}

/**
 * The character's stack `itemId`, locked, checked to have `quantity` items
 * that are not held in escrow: ITEM_NOT_FOUND, INSUFFICIENT_QUANTITY (with
 * what is available) or ITEM_LOCKED (enough items, but some are held).
 */
export async function usableStack(tx: AssetTransaction, characterId: string, itemId: string, quantity: bigint): Promise<StackRecord> {
  const stack = await tx.lockStack(characterId, itemId);
  if (stack === undefined) throw new DomainError(ErrorReason.ITEM_NOT_FOUND, "the character has no such item", { item_id: itemId });
  const available = stack.quantity - stack.heldQuantity;
  if (quantity > stack.quantity) {
    throw new DomainError(ErrorReason.INSUFFICIENT_QUANTITY, `only ${available} of ${stack.definitionId} available; ${quantity} asked for`, {
      available: available.toString(),
    });
  }
  if (quantity > available) {
    throw new DomainError(ErrorReason.ITEM_LOCKED, `${stack.heldQuantity} of ${stack.definitionId} are held in escrow; ${available} available`, {
      available: available.toString(),
    });
  }
  return stack;
}
