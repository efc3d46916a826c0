import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { CharacterRecord } from "./trade-records.js";

/** Trading's copy of anti-cheat's actions that bar players from trading. */
export interface TradingRestrictions {
  /** Those of `playerIds` an action bars from trading at `now`. */
  restrictedPlayers(playerIds: readonly string[], now: Date): Promise<ReadonlySet<string>>;
}

/** The restriction rows the action events write, inside the consumer's inbox transaction. */
export interface RestrictionRows {
  insertRestriction(actionId: string, playerId: string, until: Date | undefined): Promise<void>;
  removeRestriction(actionId: string): Promise<void>;
}

export async function applyRestriction(rows: RestrictionRows, action: Action): Promise<void> {
  // Anticheat says what its action bars (a trade restriction, a suspension, a ban; not a flag).
  if (!action.barsTrading) return;
  await rows.insertRestriction(action.actionId, action.playerId, action.expireTime === undefined ? undefined : timestampDate(action.expireTime));
}

export async function liftRestriction(rows: RestrictionRows, action: Action): Promise<void> {
  await rows.removeRestriction(action.actionId);
}

/** Refuses a trade when either party's player may not trade; says which character. */
export async function requireUnrestricted(restrictions: TradingRestrictions, parties: readonly Pick<CharacterRecord, "characterId" | "playerId">[]): Promise<void> {
  const restricted = await restrictions.restrictedPlayers(parties.map((p) => p.playerId), new Date());
  for (const party of parties) {
    if (restricted.has(party.playerId)) {
      throw new DomainError(ErrorReason.TRADING_RESTRICTED, "trading is restricted for one of the parties", { character_id: party.characterId });
    }
  }
}
