import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ErrorReason } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import { TradeAssetsSchema, TradeItemSchema, TradePartySchema, TradeSchema, TradeState, type Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import type { AssetsRecord, PartyRecord, TradeRecord, TradeStatus } from "./trade-records.js";

const states: Record<TradeStatus, TradeState> = {
  proposed: TradeState.PROPOSED,
  accepted: TradeState.ACCEPTED,
  escrowed: TradeState.ESCROWED,
  settled: TradeState.SETTLED,
  declined: TradeState.DECLINED,
  cancelled: TradeState.CANCELLED,
  expired: TradeState.EXPIRED,
  compensating: TradeState.COMPENSATING,
  compensated: TradeState.COMPENSATED,
};

export const tradeState = (status: TradeStatus): TradeState => states[status];

/** The stored status of a contract state (for listing filters). */
export function statusOf(state: TradeState): TradeStatus {
  const found = (Object.keys(states) as TradeStatus[]).find((status) => states[status] === state);
  if (found === undefined) throw new Error(`no trade status for state ${state}`);
  return found;
}

const assets = (a: AssetsRecord) =>
  create(TradeAssetsSchema, {
    gold: a.gold,
    items: a.items.map((i) => create(TradeItemSchema, { itemId: i.itemId, quantity: i.quantity, definitionId: i.definitionId, displayName: i.displayName })),
  });

const party = (p: PartyRecord) => create(TradePartySchema, { characterId: p.characterId, name: p.name });

/** The trade as clients and events see it (player ids stay inside trading). */
export function toTrade(trade: TradeRecord): Trade {
  return create(TradeSchema, {
    tradeId: trade.tradeId,
    proposer: party(trade.proposer),
    counterparty: party(trade.counterparty),
    offer: assets(trade.offer),
    request: assets(trade.request),
    state: tradeState(trade.status),
    failureReason: trade.failureReason ?? ErrorReason.UNSPECIFIED,
    failureMessage: trade.failureMessage ?? "",
    createTime: timestampFromDate(trade.createdAt),
    expireTime: timestampFromDate(trade.expiresAt),
    updateTime: timestampFromDate(trade.updatedAt),
    closeTime: trade.closedAt === undefined ? undefined : timestampFromDate(trade.closedAt),
  });
}
