import { clientAddressHeader, type MeshInterceptor, type Rate, type RateDecision, type RateLimiter } from "@chaos/mesh/server";
import type { Logger } from "pino";
import { limiterUnavailable, rateLimited } from "./gateway-errors.js";

/** Which allowance a call spent: its client address's or its player's. */
export type LimitKind = "ip" | "player";

/** A refused call, as the RateLimitExceeded event reports it. */
export interface RateLimitRefusal {
  readonly limit: LimitKind;
  /** The client address or the player id. */
  readonly key: string;
  /** "/package.Service/Method". */
  readonly method: string;
}

/** Options of {@link createRateLimitInterceptor}. */
export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /** Every call at the edge, per client address. */
  readonly ipRate: Rate;
  /** Every call carrying an access token, per player. */
  readonly playerRate: Rate;
  /** Calls refused, not served unlimited, while the limiter cannot answer ("/package.Service/Method"). */
  readonly strictlyLimited: ReadonlySet<string>;
  /** Told about every refusal (it samples the RateLimitExceeded events). */
  readonly onRefused: (refusal: RateLimitRefusal) => void;
  readonly logger: Logger;
}

/** How often a Redis outage is logged while calls go through unlimited. */
const outageLogIntervalMs = 10_000;
/** The retry delay a strictly limited call is given while the limiter is down (Redis clients reconnect within a few seconds). */
const limiterRetryMs = 2_000;

/** The two limits, as interceptors placed where each can be decided. */
export interface RateLimitInterceptors {
  /** Per client address: runs before the token is verified and the request validated, so every call counts, however bad. */
  readonly byAddress: MeshInterceptor;
  /** Per player: needs the verified token, so it runs after the mesh's token check. */
  readonly byPlayer: MeshInterceptor;
}

/**
 * Rate limits at the edge (GCRA in Redis, shared by every gateway replica):
 * per client address on every call, and per player on calls with a token.
 * The internal face serves only mesh workloads the policy lets in, so it is
 * not limited. When Redis cannot answer, the limit is decided per method:
 * the strictly limited ones (sign-up and login, what floods aim at) are
 * refused with UNAVAILABLE and a retry delay; every other call goes through
 * unlimited, since failing closed would turn a Redis outage into an outage
 * of the whole game (signed-in players play on).
 */
export function createRateLimitInterceptors(options: RateLimitOptions): RateLimitInterceptors {
  let lastOutageLog = 0;
  const decide = async (limit: LimitKind, key: string, rate: Rate): Promise<RateDecision | undefined> => {
    try {
      return await options.limiter.check(`${limit}:${key}`, rate);
    } catch (error) {
      if (Date.now() - lastOutageLog > outageLogIntervalMs) {
        lastOutageLog = Date.now();
        options.logger.warn({ err: error, limit }, "rate limiter unavailable; letting calls through unlimited");
      }
      return undefined;
    }
  };
  return {
    byAddress: (next) => async (call) => {
      if (call.face !== "edge") return next(call);
      const address = call.context.requestHeader.get(clientAddressHeader) ?? "";
      const decision = await decide("ip", address, options.ipRate);
      if (decision === undefined && options.strictlyLimited.has(call.path)) {
        throw limiterUnavailable(limiterRetryMs, "sign-up and login are paused for a moment: their rate limiter cannot be reached; retry shortly");
      }
      if (decision?.allowed === false) {
        options.onRefused({ limit: "ip", key: address, method: call.path });
        throw rateLimited("ip", decision.retryAfterMs, `too many calls from this address; retry in ${decision.retryAfterMs} ms`);
      }
      return next(call);
    },
    byPlayer: (next) => async (call) => {
      const player = call.principal?.subject;
      if (call.face !== "edge" || player === undefined) return next(call);
      const decision = await decide("player", player, options.playerRate);
      if (decision?.allowed === false) {
        options.onRefused({ limit: "player", key: player, method: call.path });
        throw rateLimited("player", decision.retryAfterMs, `too many calls by this player; retry in ${decision.retryAfterMs} ms`);
      }
      return next(call);
    },
  };
}
