import { durationMs } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { TradeRole } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import type { TradeAssets } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import type { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import { statusOf, toTrade } from "../core/trade-message.js";
import type { AssetsRequest, Trades } from "../core/trades.js";
import { decodeTradePageToken, encodeTradePageToken } from "./page-token.js";

/** Listings without a page size get this many trades per page. */
const defaultPageSize = 20;

const assets = (a: TradeAssets | undefined): AssetsRequest => ({ gold: a?.gold ?? 0n, items: (a?.items ?? []).map((i) => ({ itemId: i.itemId, quantity: i.quantity })) });

/** The public API: an authenticated player trades through their own characters (token subject = player id). */
export function createTradingHandlers(trades: Trades): ServiceImpl<typeof TradingService> {
  return {
    async proposeTrade(request, context) {
      const { subject } = requirePrincipal(context);
      const trade = await trades.propose({
        playerId: subject,
        proposerCharacterId: request.proposerCharacterId,
        counterpartyCharacterId: request.counterpartyCharacterId,
        offer: assets(request.offer),
        request: assets(request.request),
        ttlMs: request.ttl === undefined ? undefined : durationMs(request.ttl),
        idempotencyKey: request.idempotencyKey,
      });
      return { trade: toTrade(trade) };
    },
    async acceptTrade(request, context) {
      return { trade: toTrade(await trades.accept(requirePrincipal(context).subject, request.tradeId)) };
    },
    async declineTrade(request, context) {
      return { trade: toTrade(await trades.decline(requirePrincipal(context).subject, request.tradeId)) };
    },
    async cancelTrade(request, context) {
      return { trade: toTrade(await trades.cancel(requirePrincipal(context).subject, request.tradeId)) };
    },
    async getTrade(request, context) {
      return { trade: toTrade(await trades.get(requirePrincipal(context).subject, request.tradeId)) };
    },
    async listTrades(request, context) {
      const { subject } = requirePrincipal(context);
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const side = request.role === TradeRole.PROPOSER ? "proposer" : request.role === TradeRole.COUNTERPARTY ? "counterparty" : undefined;
      const cursor = decodeTradePageToken(request.characterId, request.pageToken);
      // One more than a page tells whether another page follows.
      const found = await trades.list(subject, request.characterId, { statuses: request.states.map(statusOf), side }, cursor, pageSize + 1);
      const page = found.slice(0, pageSize);
      const last = page.at(-1);
      return {
        trades: page.map(toTrade),
        nextPageToken: found.length > pageSize && last !== undefined ? encodeTradePageToken(request.characterId, { createdAt: last.createdAt, tradeId: last.tradeId }) : "",
      };
    },
  };
}
