import { create } from "@bufbuild/protobuf";
import {
  TradeAcceptedSchema,
  TradeCancelledSchema,
  TradeCompensatedSchema,
  TradeDeclinedSchema,
  TradeExpiredSchema,
  TradeProposedSchema,
  TradeSettledSchema,
} from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import { toTrade } from "./trade-message.js";
import type { TradeRecord, TradeStatus } from "./trade-records.js";

const topic = topicName("trading", "trades");

/**
 * The event announcing that a trade reached `trade.status`, or none for the
 * saga's inner step (escrowed) that no consumer acts on. Keyed by the trade,
 * so one trade's events stay in order.
 */
export function tradeEvent(trade: TradeRecord, cancelledByCharacterId = ""): OutgoingEvent | undefined {
  const message = toTrade(trade);
  const event = (schema: OutgoingEvent["schema"], value: OutgoingEvent["message"]): OutgoingEvent => ({ topic, aggregateId: trade.tradeId, schema, message: value });
  const byStatus: Partial<Record<TradeStatus, () => OutgoingEvent>> = {
    proposed: () => event(TradeProposedSchema, create(TradeProposedSchema, { trade: message })),
    accepted: () => event(TradeAcceptedSchema, create(TradeAcceptedSchema, { trade: message })),
    declined: () => event(TradeDeclinedSchema, create(TradeDeclinedSchema, { trade: message })),
    cancelled: () => event(TradeCancelledSchema, create(TradeCancelledSchema, { trade: message, cancelledByCharacterId })),
    expired: () => event(TradeExpiredSchema, create(TradeExpiredSchema, { trade: message })),
    settled: () => event(TradeSettledSchema, create(TradeSettledSchema, { trade: message })),
    compensated: () => event(TradeCompensatedSchema, create(TradeCompensatedSchema, { trade: message })),
  };
  return byStatus[trade.status]?.();
}
