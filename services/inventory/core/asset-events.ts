import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  EscrowHoldPlacedSchema,
  EscrowHoldReleasedSchema,
  EscrowHoldTransferredSchema,
  GoldCreditedSchema,
  GoldDebtChangedSchema,
  GoldDebitedSchema,
  ItemsGrantedSchema,
  ItemsRemovedSchema,
} from "@chaos/gen/chaos/inventory/v1/events_pb.js";
import { ItemGrantSchema, type LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { HoldRecord } from "./asset-records.js";

/** A quantity of one item definition, as events and grants name it. */
export interface ItemQuantity {
  readonly definitionId: string;
  readonly quantity: bigint;
}

/** A gold movement of one wallet, as GoldCredited/GoldDebited describe it. */
export interface WalletMovement {
  readonly characterId: string;
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  readonly transactionId: string;
  readonly kind: LedgerEntryKind;
}

/** Every inventory event goes to chaos.inventory.v1.assets, keyed by the character whose assets changed. */
function assetEvent<Desc extends DescMessage>(characterId: string, schema: Desc, message: MessageShape<Desc>): OutgoingEvent {
  return { topic: topicName("inventory", "assets"), aggregateId: characterId, schema, message };
}

const grants = (items: readonly ItemQuantity[]) => items.map((i) => create(ItemGrantSchema, { definitionId: i.definitionId, quantity: i.quantity }));

export function itemsGranted(characterId: string, items: readonly ItemQuantity[], reason: string, at: Date): OutgoingEvent {
  return assetEvent(characterId, ItemsGrantedSchema, create(ItemsGrantedSchema, { characterId, items: grants(items), reason, grantTime: timestampFromDate(at) }));
}

export function itemsRemoved(characterId: string, items: readonly ItemQuantity[], reason: string, at: Date): OutgoingEvent {
  return assetEvent(characterId, ItemsRemovedSchema, create(ItemsRemovedSchema, { characterId, items: grants(items), reason, removeTime: timestampFromDate(at) }));
}

export function goldCredited(movement: WalletMovement, at: Date): OutgoingEvent {
  return assetEvent(movement.characterId, GoldCreditedSchema, create(GoldCreditedSchema, { ...movement, creditTime: timestampFromDate(at) }));
}

export function goldDebited(movement: WalletMovement, at: Date): OutgoingEvent {
  return assetEvent(movement.characterId, GoldDebitedSchema, create(GoldDebitedSchema, { ...movement, debitTime: timestampFromDate(at) }));
}

export function escrowHoldPlaced(hold: HoldRecord, at: Date): OutgoingEvent {
  const itemCount = hold.items.reduce((sum, i) => sum + Number(i.quantity), 0);
  return assetEvent(
    hold.characterId,
    EscrowHoldPlacedSchema,
    create(EscrowHoldPlacedSchema, { holdId: hold.holdId, characterId: hold.characterId, gold: hold.gold, itemCount, placeTime: timestampFromDate(at) }),
  );
}

export function escrowHoldReleased(hold: HoldRecord, at: Date): OutgoingEvent {
  return assetEvent(hold.characterId, EscrowHoldReleasedSchema, create(EscrowHoldReleasedSchema, { holdId: hold.holdId, characterId: hold.characterId, releaseTime: timestampFromDate(at) }));
}

export function escrowHoldTransferred(hold: HoldRecord, toCharacterId: string, at: Date): OutgoingEvent {
  return assetEvent(
    hold.characterId,
    EscrowHoldTransferredSchema,
    create(EscrowHoldTransferredSchema, { holdId: hold.holdId, fromCharacterId: hold.characterId, toCharacterId, transferTime: timestampFromDate(at) }),
  );
}

/** A wallet's debt grew (`change` > 0, a clawback found it short) or was paid down (`change` < 0). */
export function goldDebtChanged(characterId: string, change: bigint, debtAfter: bigint, transactionId: string, at: Date): OutgoingEvent {
  return assetEvent(characterId, GoldDebtChangedSchema, create(GoldDebtChangedSchema, { characterId, change, debtAfter, transactionId, changeTime: timestampFromDate(at) }));
}
