/** Where a trade is; the same states as the contract's TradeState, as stored. */
export type TradeStatus = "proposed" | "accepted" | "escrowed" | "settled" | "declined" | "cancelled" | "expired" | "compensating" | "compensated";

/** States a trade ends in; once there, nothing changes it again. */
export const finalStatuses: ReadonlySet<TradeStatus> = new Set(["settled", "declined", "cancelled", "expired", "compensated"]);

/** States counted against the open-offers limit: the trade still binds the character. */
export const openStatuses: readonly TradeStatus[] = ["proposed", "accepted", "escrowed", "compensating"];

/** The two sides of a trade. The proposer gives the offer, the counterparty the request. */
export type TradeSide = "proposer" | "counterparty";

/** A quantity of one of the giver's stacks, with what it is (read from inventory at proposal). */
export interface TradeItemRecord {
  readonly itemId: string;
  readonly quantity: bigint;
  readonly definitionId: string;
  readonly displayName: string;
}

/** What one side gives. */
export interface AssetsRecord {
  readonly gold: bigint;
  readonly items: readonly TradeItemRecord[];
}

export interface PartyRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
}

/** A trade with its saga state, as stored. */
export interface TradeRecord {
  readonly tradeId: string;
  readonly proposer: PartyRecord;
  readonly counterparty: PartyRecord;
  readonly offer: AssetsRecord;
  readonly request: AssetsRecord;
  readonly status: TradeStatus;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly proposerHoldId: string | undefined;
  readonly counterpartyHoldId: string | undefined;
  /** A trading ErrorReason, when the saga compensated. */
  readonly failureReason: number | undefined;
  readonly failureMessage: string | undefined;
  readonly failedSide: TradeSide | undefined;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly acceptedAt: Date | undefined;
  readonly updatedAt: Date;
  readonly closedAt: Date | undefined;
}

/** A character as trading knows it from player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
  readonly deleted: boolean;
}

/** What one side gives, for the party whose side it is. */
export function assetsOf(trade: TradeRecord, side: TradeSide): AssetsRecord {
  return side === "proposer" ? trade.offer : trade.request;
}

export function partyOf(trade: TradeRecord, side: TradeSide): PartyRecord {
  return side === "proposer" ? trade.proposer : trade.counterparty;
}

export function holdOf(trade: TradeRecord, side: TradeSide): string | undefined {
  return side === "proposer" ? trade.proposerHoldId : trade.counterpartyHoldId;
}

export function isEmpty(assets: { readonly gold: bigint; readonly items: readonly unknown[] }): boolean {
  return assets.gold === 0n && assets.items.length === 0;
}

export const sides: readonly TradeSide[] = ["proposer", "counterparty"];
