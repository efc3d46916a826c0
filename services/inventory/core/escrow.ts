import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AssetStore, AssetTransaction } from "../store/asset-store.js";
import type { HeldItemRecord, HoldRecord } from "./asset-records.js";
import { escrowHoldPlaced, escrowHoldReleased, escrowHoldTransferred, itemsGranted, itemsRemoved } from "./asset-events.js";
import { creditWallet, debitWallet } from "./gold-movements.js";
import { jsonResult, once } from "./idempotency.js";
import { usableStack } from "./item-movements.js";
import { escrowAccount } from "./ledger-accounts.js";

/** Assets to lock: quantities of the character's stacks, and gold. */
export interface HoldRequest {
  readonly characterId: string;
  readonly items: readonly { readonly itemId: string; readonly quantity: bigint }[];
  readonly gold: bigint;
  /** The trade (or other saga) the hold belongs to. */
  readonly idempotencyKey: string;
}

/**
 * Escrow for trades. Held gold moves in the ledger from the wallet to the
 * hold's own account "escrow:<hold id>", so it leaves the spendable balance
 * and shows as held; held items stay in their stack, counted in its
 * held_quantity, so they cannot be used, discarded or held twice. A hold
 * ends once: released back to its owner or transferred to another character.
 */
export interface Escrow {
  /** The hold id; the same for a retry with the same key. */
  place(request: HoldRequest): Promise<string>;
  /** Idempotent: releasing a released hold succeeds; a transferred or unknown one is HOLD_NOT_FOUND. */
  release(holdId: string): Promise<void>;
  /** Idempotent for the same receiver; a released hold, an unknown one or another receiver is HOLD_NOT_FOUND. */
  transfer(holdId: string, toCharacterId: string): Promise<void>;
}

const holdIdResult = jsonResult<string>();

/** One quantity per stack: a request naming a stack twice holds the sum. */
function mergedQuantities(items: HoldRequest["items"]): Map<string, bigint> {
  const merged = new Map<string, bigint>();
  for (const { itemId, quantity } of items) merged.set(itemId, (merged.get(itemId) ?? 0n) + quantity);
  return merged;
}

const holdNotFound = (holdId: string) => new DomainError(ErrorReason.HOLD_NOT_FOUND, "no open escrow hold with this id", { hold_id: holdId });

/** Locks the characters' assets in one global order (by id), so two transfers between the same pair cannot deadlock. */
async function lockAll(tx: AssetTransaction, characterIds: readonly string[]): Promise<void> {
  for (const id of [...new Set(characterIds)].sort()) await tx.lockAssets(id);
}

/** Returns held quantities to their stacks' usable part. */
async function unholdItems(tx: AssetTransaction, hold: HoldRecord): Promise<void> {
  for (const item of hold.items) {
    const stack = await tx.lockStack(hold.characterId, item.itemId);
    if (stack === undefined) throw new Error(`held stack ${item.itemId} of hold ${hold.holdId} is gone`);
    await tx.saveStack({ ...stack, heldQuantity: stack.heldQuantity - item.quantity });
  }
}

export function createEscrow(store: AssetStore): Escrow {
  return {
    place: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "place_escrow_hold", [request.characterId, request.items, request.gold], holdIdResult, async () => {
          const at = new Date();
          const holdId = randomUUID();
          await tx.lockAssets(request.characterId);
          const items: HeldItemRecord[] = [];
          for (const [itemId, quantity] of mergedQuantities(request.items)) {
            const stack = await usableStack(tx, request.characterId, itemId, quantity);
            await tx.saveStack({ ...stack, heldQuantity: stack.heldQuantity + quantity });
            items.push({ itemId, definitionId: stack.definitionId, quantity });
          }
          const hold: HoldRecord = { holdId, characterId: request.characterId, gold: request.gold, status: "held", toCharacterId: undefined, items };
          await tx.insertHold(hold);
          if (request.gold > 0n) {
            await debitWallet(tx, { characterId: request.characterId, amount: request.gold, kind: LedgerEntryKind.ESCROW_HOLD, counterAccount: escrowAccount(holdId) }, at);
          }
          await tx.publish([escrowHoldPlaced(hold, at)]);
          return holdId;
        }),
      ),

    release: (holdId) =>
      store.transaction(async (tx) => {
        const hold = await tx.lockHold(holdId);
        if (hold === undefined || hold.status === "transferred") throw holdNotFound(holdId);
        if (hold.status === "released") return;
        const at = new Date();
        await tx.lockAssets(hold.characterId);
        await unholdItems(tx, hold);
        if (hold.gold > 0n) {
          await creditWallet(tx, { characterId: hold.characterId, amount: hold.gold, kind: LedgerEntryKind.ESCROW_RELEASE, counterAccount: escrowAccount(holdId) }, at);
        }
        await tx.settleHold(holdId, "released", undefined);
        await tx.publish([escrowHoldReleased(hold, at)]);
      }),

    transfer: (holdId, toCharacterId) =>
      store.transaction(async (tx) => {
        const hold = await tx.lockHold(holdId);
        if (hold === undefined || hold.status === "released") throw holdNotFound(holdId);
        if (hold.status === "transferred") {
          if (hold.toCharacterId === toCharacterId) return;
          throw holdNotFound(holdId);
        }
        const at = new Date();
        await lockAll(tx, [hold.characterId, toCharacterId]);
        for (const item of hold.items) {
          const stack = await tx.lockStack(hold.characterId, item.itemId);
          if (stack === undefined) throw new Error(`held stack ${item.itemId} of hold ${holdId} is gone`);
          await tx.saveStack({ ...stack, quantity: stack.quantity - item.quantity, heldQuantity: stack.heldQuantity - item.quantity });
          await tx.addToStack(toCharacterId, item.definitionId, item.quantity);
        }
        if (hold.gold > 0n) {
          await creditWallet(tx, { characterId: toCharacterId, amount: hold.gold, kind: LedgerEntryKind.ESCROW_TRANSFER, counterAccount: escrowAccount(holdId) }, at);
        }
        await tx.settleHold(holdId, "transferred", toCharacterId);
        const moved = hold.items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity }));
        const reason = `escrow:${holdId}`;
        await tx.publish([
          ...(moved.length > 0 ? [itemsRemoved(hold.characterId, moved, reason, at), itemsGranted(toCharacterId, moved, reason, at)] : []),
          escrowHoldTransferred(hold, toCharacterId, at),
        ]);
      }),
  };
}
