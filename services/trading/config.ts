import { integerSetting } from "@chaos/mesh/server";

/** The trading service's settings, read from the environment at start-up. */
export interface TradingConfig {
  /** Open trades a character may have on each side (offers made, offers received) at once. CHAOS_TRADING_MAX_OPEN_TRADES, default 10. */
  readonly maxOpenTrades: number;
  /** Offers a player may make per minute, across their characters and trading's replicas. CHAOS_TRADING_PROPOSALS_PER_MINUTE, default 20. */
  readonly proposalsPerMinute: number;
  /** How long an offer stands when the proposer names no time. CHAOS_TRADING_DEFAULT_TTL_SECONDS, default 600 (10 minutes). */
  readonly defaultTtlSeconds: number;
  /**
   * How long an accepted trade may wait for inventory to confirm both holds
   * before the saga gives up and compensates. CHAOS_TRADING_SETTLE_TIMEOUT_SECONDS, default 60.
   */
  readonly settleTimeoutSeconds: number;
  /** How long AcceptTrade waits for the saga before answering with the trade as it is. CHAOS_TRADING_ACCEPT_WAIT_MS, default 2000. */
  readonly acceptWaitMs: number;
  /**
   * How long a saga run holds its job: a crashed replica's trades resume on
   * another after this. CHAOS_TRADING_SAGA_LEASE_SECONDS, default 15 (a step's
   * inventory calls time out after 3 s each).
   */
  readonly sagaLeaseSeconds: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadTradingConfig(env: NodeJS.ProcessEnv = process.env): TradingConfig {
  return {
    maxOpenTrades: integerSetting(env, "CHAOS_TRADING_MAX_OPEN_TRADES", 10, 1, 1_000),
    proposalsPerMinute: integerSetting(env, "CHAOS_TRADING_PROPOSALS_PER_MINUTE", 20, 1, 100_000),
    defaultTtlSeconds: integerSetting(env, "CHAOS_TRADING_DEFAULT_TTL_SECONDS", 600, 60, 86_400),
    settleTimeoutSeconds: integerSetting(env, "CHAOS_TRADING_SETTLE_TIMEOUT_SECONDS", 60, 1, 3_600),
    acceptWaitMs: integerSetting(env, "CHAOS_TRADING_ACCEPT_WAIT_MS", 2_000, 0, 30_000),
    sagaLeaseSeconds: integerSetting(env, "CHAOS_TRADING_SAGA_LEASE_SECONDS", 15, 5, 600),
  };
}
