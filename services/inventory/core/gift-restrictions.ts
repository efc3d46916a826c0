import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";

/**
 * Inventory's copy of anti-cheat's actions that bar a player from giving or
 * receiving gold as a gift (SendGold). Only the player-initiated gift is
 * gated here: grants, escrow holds, clawbacks and guild bank moves are steps
 * of other services' sagas (quests, trading, payment, guild), already gated
 * where they start — refusing them here would strand a saga half way.
 */
export interface GiftRestrictions {
  /** Those of `playerIds` an action in force bars at `now` (not lifted, not expired); one query for both sides. */
  giftsRestricted(playerIds: readonly string[], now: Date): Promise<ReadonlySet<string>>;
}

/** The rows anti-cheat's action events write, inside the consumer's inbox transaction. */
export interface GiftRestrictionRows {
  insertGiftRestriction(actionId: string, playerId: string, until: Date | undefined): Promise<void>;
  removeGiftRestriction(actionId: string): Promise<void>;
}

export async function applyGiftRestriction(rows: GiftRestrictionRows, action: Action): Promise<void> {
  // A gift is a one-sided trade: what bars trading (as anticheat says) bars gifts.
  if (!action.barsTrading) return;
  await rows.insertGiftRestriction(action.actionId, action.playerId, action.expireTime === undefined ? undefined : timestampDate(action.expireTime));
}

export async function liftGiftRestriction(rows: GiftRestrictionRows, action: Action): Promise<void> {
  await rows.removeGiftRestriction(action.actionId);
}

/** Refuses a gift when the giver's or the receiver's player is barred; names that side's character. */
export async function requireGiftsAllowed(restrictions: GiftRestrictions, sides: readonly { characterId: string; playerId: string }[]): Promise<void> {
  const restricted = await restrictions.giftsRestricted(sides.map((s) => s.playerId), new Date());
  for (const side of sides) {
    if (restricted.has(side.playerId)) {
      throw new DomainError(ErrorReason.GOLD_TRANSFER_RESTRICTED, "gold gifts are restricted for one of the characters", { character_id: side.characterId });
    }
  }
}
