import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ErrorReason } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import { TradeState, type Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import type { BenchCharacter } from "./bench-characters.js";
import { runClosedLoop, type ClosedLoopResult } from "./closed-loop.js";

/** Two characters of different players that trade with each other. */
export interface TradingPair {
  readonly proposer: BenchCharacter;
  readonly counterparty: BenchCharacter;
}

/** Options of {@link measureTradeSettlement}. */
export interface TradeLoad {
  readonly seconds: number;
  /** Gold each side gives per trade. */
  readonly gold: bigint;
  /** How often a trade AcceptTrade answered before it settled is looked at again. Default 5 ms. */
  readonly pollMs?: number;
  /** How long after acceptance a trade may take to settle before it counts as a failure ("trade still ESCROWED after ..."), so the run ends whatever the saga does. Default 15 s. */
  readonly settleLimitMs?: number;
}

/** Each call's deadline: the benchmark ends even when a service does not answer. */
const callTimeoutMs = 10_000;

/**
 * Trades end to end through the gateway, one pair per worker: the proposer
 * offers gold for gold (ProposeTrade), the counterparty accepts (AcceptTrade:
 * holds both sides in inventory, transfers both holds). The latency recorded
 * is from sending AcceptTrade to seeing the trade SETTLED: AcceptTrade's own
 * answer when the saga finished within its wait, or else the first GetTrade
 * that shows it settled. A trade that ends otherwise (COMPENSATED...) is a
 * failure counted under its state and reason.
 */
export async function measureTradeSettlement(gatewayUrl: string, pairs: readonly TradingPair[], load: TradeLoad): Promise<ClosedLoopResult> {
  const session = new Http2SessionManager(gatewayUrl);
  const trading = createClient(TradingService, createGrpcTransport({ baseUrl: gatewayUrl, sessionManager: session }));
  const as = (c: BenchCharacter) => ({ headers: { authorization: `Bearer ${c.accessToken}` }, timeoutMs: callTimeoutMs });
  const settleLimitMs = load.settleLimitMs ?? 15_000;
  try {
    return await runClosedLoop({
      concurrency: pairs.length,
      seconds: load.seconds,
      async operation(worker) {
        const { proposer, counterparty } = pairs[worker]!;
        const { trade: offered } = await trading.proposeTrade(
          { proposerCharacterId: proposer.characterId, counterpartyCharacterId: counterparty.characterId, offer: { gold: load.gold }, request: { gold: load.gold }, idempotencyKey: randomUUID() },
          as(proposer),
        );
        const accepting = performance.now();
        let trade: Trade | undefined = (await trading.acceptTrade({ tradeId: offered!.tradeId }, as(counterparty))).trade;
        while (trade !== undefined && stillSettling(trade.state)) {
          if (performance.now() - accepting > settleLimitMs) throw new Error(`trade still ${TradeState[trade.state]} after ${settleLimitMs / 1000} s`);
          await sleep(load.pollMs ?? 5);
          trade = (await trading.getTrade({ tradeId: offered!.tradeId }, as(counterparty))).trade;
        }
        if (trade?.state !== TradeState.SETTLED) throw new Error(`trade ${TradeState[trade?.state ?? TradeState.UNSPECIFIED]}${trade?.failureReason ? ` ${ErrorReason[trade.failureReason]}` : ""}`);
        return performance.now() - accepting;
      },
    });
  } finally {
    session.abort();
  }
}

/** States a trade passes through after acceptance, on its way to a final state. */
function stillSettling(state: TradeState): boolean {
  return state === TradeState.ACCEPTED || state === TradeState.ESCROWED || state === TradeState.COMPENSATING;
}
