import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { DomainError, type OutgoingEvent } from "@chaos/mesh/domain";
import type { AssetStore, AssetTransaction } from "../store/asset-store.js";
import type { HeldItemRecord, HoldRecord } from "./asset-records.js";
import { escrowHoldPlaced, escrowHoldReleased, escrowHoldTransferred, itemsGranted, itemsRemoved } from "./asset-events.js";
import { lockAccounts, moveGold } from "./gold-movements.js";
import { jsonResult, once } from "./idempotency.js";
import { usableStack } from "./item-movements.js";
import { escrowAccount, walletAccount } from "./ledger-accounts.js";
import { requireLive } from "./live-characters.js";

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
  /** The hold id; the same for a retry with the same key. An unknown or deleted character is CHARACTER_NOT_FOUND. */
  place(request: HoldRequest): Promise<string>;
  /** Idempotent: releasing a released hold succeeds; a transferred or unknown one is HOLD_NOT_FOUND. */
  release(holdId: string): Promise<void>;
  /**
   * Idempotent for the same receiver; a released hold, an unknown one or
   * another receiver is HOLD_NOT_FOUND, and a receiver that is unknown or
   * deleted is CHARACTER_NOT_FOUND (the hold stays open, to be released).
   */
  transfer(holdId: string, toCharacterId: string): Promise<void>;
  /**
   * Transfers several holds in one transaction, all or none: a trade's two
   * sides change hands together, so it can never end half transferred.
   * Idempotent like `transfer`; a receiver that is unknown or deleted refuses
   * the whole batch (CHARACTER_NOT_FOUND), with every hold still open.
   */
  transferAll(transfers: readonly HoldTransfer[]): Promise<void>;
}

/** A hold and who receives it. */
export interface HoldTransfer {
  readonly holdId: string;
  readonly toCharacterId: string;
}

const holdIdResult = jsonResult<string>();

/** One quantity per stack: a request naming a stack twice holds the sum. */
function mergedQuantities(items: HoldRequest["items"]): Map<string, bigint> {
  const merged = new Map<string, bigint>();
  for (const { itemId, quantity } of items) merged.set(itemId, (merged.get(itemId) ?? 0n) + quantity);
  return merged;
}

const holdNotFound = (holdId: string) => new DomainError(ErrorReason.HOLD_NOT_FOUND, "no open escrow hold with this id", { hold_id: holdId });

/** Returns held quantities to their stacks' usable part. */
async function unholdItems(tx: AssetTransaction, hold: HoldRecord): Promise<void> {
  for (const item of hold.items) {
    const stack = await tx.lockStack(hold.characterId, item.itemId);
    if (stack === undefined) throw new Error(`held stack ${item.itemId} of hold ${hold.holdId} is gone`);
    await tx.saveStack({ ...stack, heldQuantity: stack.heldQuantity - item.quantity });
  }
}

/** Moves an open hold's gold and items to the receiver; the caller holds the hold's lock and has checked the receiver. */
async function transferOpenHold(tx: AssetTransaction, hold: HoldRecord, toCharacterId: string, at: Date): Promise<void> {
  const { holdId } = hold;
  const giver = walletAccount(hold.characterId);
  const receiver = walletAccount(toCharacterId);
  // Both characters' assets change: both wallets are locked, in the global order (the receiver's by the credit).
  const events: OutgoingEvent[] = [];
  if (hold.gold > 0n) {
    events.push(...(await moveGold(tx, { kind: LedgerEntryKind.ESCROW_TRANSFER, from: escrowAccount(holdId), to: receiver, amount: hold.gold }, at, [giver])).events);
  } else {
    await lockAccounts(tx, [giver, receiver]);
  }
  for (const item of hold.items) {
    const stack = await tx.lockStack(hold.characterId, item.itemId);
    if (stack === undefined) throw new Error(`held stack ${item.itemId} of hold ${holdId} is gone`);
    await tx.saveStack({ ...stack, quantity: stack.quantity - item.quantity, heldQuantity: stack.heldQuantity - item.quantity });
    await tx.addToStack(toCharacterId, item.definitionId, item.quantity);
  }
  await tx.settleHold(holdId, "transferred", toCharacterId);
  const moved = hold.items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity }));
  const reason = `escrow:${holdId}`;
  await tx.publish([
    ...events,
    ...(moved.length > 0 ? [itemsRemoved(hold.characterId, moved, reason, at), itemsGranted(toCharacterId, moved, reason, at)] : []),
    escrowHoldTransferred(hold, toCharacterId, at),
  ]);
}

export function createEscrow(store: AssetStore): Escrow {
  const transferAll = (transfers: readonly HoldTransfer[]) =>
    store.transaction(async (tx) => {
      // Holds are locked in one order (by id), so two settlements sharing a hold cannot deadlock.
      const ordered = [...transfers].sort((a, b) => a.holdId.localeCompare(b.holdId));
      const open: { hold: HoldRecord; toCharacterId: string }[] = [];
      for (const { holdId, toCharacterId } of ordered) {
        const hold = await tx.lockHold(holdId);
        if (hold === undefined || hold.status === "released") throw holdNotFound(holdId);
        if (hold.status === "transferred") {
          // Done before, to this receiver: a retry. To another: not this caller's hold to move.
          if (hold.toCharacterId === toCharacterId) continue;
          throw holdNotFound(holdId);
        }
        open.push({ hold, toCharacterId });
      }
      // Checked once the holds are known to be open: a retry of a finished transfer succeeds whatever became of the receiver.
      await requireLive(tx, [...new Set(open.map((o) => o.toCharacterId))]);
      const at = new Date();
      for (const { hold, toCharacterId } of open) await transferOpenHold(tx, hold, toCharacterId, at);
    });

  return {
    place: (request) =>
      store.transaction((tx) =>
        once(tx, request.idempotencyKey, "place_escrow_hold", [request.characterId, request.items, request.gold], holdIdResult, async () => {
          const at = new Date();
          const holdId = randomUUID();
          const { characterId, gold } = request;
          await requireLive(tx, [characterId]);
          // The wallet's lock comes before any stack's; when gold is held, the debit takes it.
          const events: OutgoingEvent[] = [];
          if (gold > 0n) {
            events.push(...(await moveGold(tx, { kind: LedgerEntryKind.ESCROW_HOLD, from: walletAccount(characterId), to: escrowAccount(holdId), amount: gold }, at)).events);
          } else {
            await tx.lockAccount(walletAccount(characterId));
          }
          const items: HeldItemRecord[] = [];
          for (const [itemId, quantity] of mergedQuantities(request.items)) {
            const stack = await usableStack(tx, characterId, itemId, quantity);
            await tx.saveStack({ ...stack, heldQuantity: stack.heldQuantity + quantity });
            items.push({ itemId, definitionId: stack.definitionId, quantity });
          }
          const hold: HoldRecord = { holdId, characterId, gold, status: "held", toCharacterId: undefined, items };
          await tx.insertHold(hold);
          await tx.publish([...events, escrowHoldPlaced(hold, at)]);
          return holdId;
        }),
      ),

    release: (holdId) =>
      store.transaction(async (tx) => {
        const hold = await tx.lockHold(holdId);
        if (hold === undefined || hold.status === "transferred") throw holdNotFound(holdId);
        if (hold.status === "released") return;
        const at = new Date();
        const owner = walletAccount(hold.characterId);
        const events: OutgoingEvent[] = [];
        if (hold.gold > 0n) {
          events.push(...(await moveGold(tx, { kind: LedgerEntryKind.ESCROW_RELEASE, from: escrowAccount(holdId), to: owner, amount: hold.gold }, at)).events);
        } else {
          await tx.lockAccount(owner);
        }
        await unholdItems(tx, hold);
        await tx.settleHold(holdId, "released", undefined);
        await tx.publish([...events, escrowHoldReleased(hold, at)]);
      }),

    transfer: (holdId, toCharacterId) => transferAll([{ holdId, toCharacterId }]),
    transferAll,
  };
}
