import { clientAddressHeader, type MeshInterceptor, type Rate, type RateDecision, type RateLimiter } from "@chaos/mesh";
import type { Logger } from "pino";
import { rateLimited } from "./gateway-errors.js";

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
  /** Told about every refusal (it samples the RateLimitExceeded events). */
  readonly onRefused: (refusal: RateLimitRefusal) => void;
  readonly logger: Logger;
}

/** How often a Redis outage is logged while calls go through unlimited. */
const outageLogIntervalMs = 10_000;

/**
 * Rate limits at the edge (GCRA in Redis, shared by every gateway replica):
 * per client address on every call, and per player on calls with a token.
 * The internal face serves only mesh workloads the policy lets in, so it is
 * not limited. When Redis cannot answer, calls go through: the limits protect
 * the backend from floods, and failing closed would turn a Redis outage into
 * an outage of the whole game.
 */
export function createRateLimitInterceptor(options: RateLimitOptions): MeshInterceptor {
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
  return (next) => async (call) => {
    if (call.face !== "edge") return next(call);
    const address = call.context.requestHeader.get(clientAddressHeader) ?? "";
    const player = call.principal?.subject;
    // Both checks at once: ioredis pipelines them into one round trip.
    const [byAddress, byPlayer] = await Promise.all([
      decide("ip", address, options.ipRate),
      player === undefined ? undefined : decide("player", player, options.playerRate),
    ]);
    if (byAddress?.allowed === false) {
      options.onRefused({ limit: "ip", key: address, method: call.path });
      throw rateLimited("ip", byAddress.retryAfterMs, `too many calls from this address; retry in ${byAddress.retryAfterMs} ms`);
    }
    if (byPlayer?.allowed === false && player !== undefined) {
      options.onRefused({ limit: "player", key: player, method: call.path });
      throw rateLimited("player", byPlayer.retryAfterMs, `too many calls by this player; retry in ${byPlayer.retryAfterMs} ms`);
    }
    return next(call);
  };
}
