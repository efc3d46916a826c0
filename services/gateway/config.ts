import { integerSetting, originsSetting, type Rate } from "@chaos/mesh/server";

/** The gateway's settings, read from the environment at start-up. */
export interface GatewayConfig {
  /**
   * Calls per client IP address, on every call at the edge.
   * CHAOS_GATEWAY_IP_RATE, default "100/s burst 200".
   */
  readonly ipRate: Rate;
  /**
   * Calls per player, on calls that carry an access token.
   * CHAOS_GATEWAY_PLAYER_RATE, default "50/s burst 100".
   */
  readonly playerRate: Rate;
  /**
   * How long the answer of identity's CheckSession is reused for a session,
   * in ms, so a revoked session stops working within this time.
   * CHAOS_GATEWAY_SESSION_CACHE_MS, default 5000; 0 asks identity on every call.
   */
  readonly sessionCacheMs: number;
  /**
   * Browser origins allowed by CORS (the web console).
   * CHAOS_GATEWAY_CORS_ORIGINS, comma-separated, default "http://127.0.0.1:8080,http://localhost:8080"; "*" allows any.
   */
  readonly corsOrigins: readonly string[];
  /**
   * Open StreamPlayerEvents streams per player across this gateway process.
   * CHAOS_GATEWAY_MAX_STREAMS_PER_PLAYER, default 5.
   */
  readonly maxStreamsPerPlayer: number;
  /**
   * Largest request or response message on the gateway, in bytes: clients
   * are untrusted, and no public request or page of results comes near it.
   * CHAOS_GATEWAY_MAX_MESSAGE_BYTES, default 65536 (64 KiB).
   */
  readonly maxMessageBytes: number;
  /**
   * Longest a forwarded call may take, in ms; a client's shorter deadline wins.
   * CHAOS_GATEWAY_UPSTREAM_DEADLINE_MS, default 15000 (the mesh's default deadline).
   */
  readonly upstreamDeadlineMs: number;
  /**
   * The longest call the gateway serves, in ms, and the deadline of calls that
   * set none. It bounds StreamPlayerEvents, which otherwise lasts until the
   * access token expires (15 minutes); forwarded calls are held to
   * CHAOS_GATEWAY_UPSTREAM_DEADLINE_MS instead.
   * CHAOS_GATEWAY_MAX_DEADLINE_MS, default 960000 (16 minutes).
   */
  readonly maxDeadlineMs: number;
  /**
   * How often the gateway tells chat (topic chaos.gateway.v1.presence) which
   * sessions are still open; each announcement holds for three periods, so a
   * crashed gateway's players go offline within that.
   * CHAOS_GATEWAY_PRESENCE_HEARTBEAT_MS, default 20000.
   */
  readonly presenceHeartbeatMs: number;
  /**
   * The port of the plain HTTP listener for payment provider webhooks (POST
   * /webhooks/payment, forwarded byte for byte to payment). They come from the
   * provider's servers, not from players, so they are not on the edge face.
   * CHAOS_GATEWAY_WEBHOOK_PORT, default 0: off (a fixed default would collide between test
   * stacks); `npm start` sets 7212, beside the edge's 7210 and 7211.
   */
  readonly webhookPort: number;
  /** The address the webhook listener binds. CHAOS_GATEWAY_WEBHOOK_HOST, default 127.0.0.1. */
  readonly webhookHost: string;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return {
    ipRate: rate(env, "CHAOS_GATEWAY_IP_RATE", "100/s burst 200"),
    playerRate: rate(env, "CHAOS_GATEWAY_PLAYER_RATE", "50/s burst 100"),
    sessionCacheMs: integerSetting(env, "CHAOS_GATEWAY_SESSION_CACHE_MS", 5_000, 0, 300_000),
    corsOrigins: originsSetting(env, "CHAOS_GATEWAY_CORS_ORIGINS", "http://127.0.0.1:8080,http://localhost:8080", { allowAny: true }),
    maxStreamsPerPlayer: integerSetting(env, "CHAOS_GATEWAY_MAX_STREAMS_PER_PLAYER", 5, 1, 1_000),
    maxMessageBytes: integerSetting(env, "CHAOS_GATEWAY_MAX_MESSAGE_BYTES", 64 * 1024, 1_024, 4 * 1024 * 1024),
    upstreamDeadlineMs: integerSetting(env, "CHAOS_GATEWAY_UPSTREAM_DEADLINE_MS", 15_000, 100, 60_000),
    maxDeadlineMs: integerSetting(env, "CHAOS_GATEWAY_MAX_DEADLINE_MS", 960_000, 1_000, 3_600_000),
    presenceHeartbeatMs: integerSetting(env, "CHAOS_GATEWAY_PRESENCE_HEARTBEAT_MS", 20_000, 100, 600_000),
    webhookPort: integerSetting(env, "CHAOS_GATEWAY_WEBHOOK_PORT", 0, 0, 65_535),
    webhookHost: env.CHAOS_GATEWAY_WEBHOOK_HOST || "127.0.0.1",
  };
}

/**
 * Parses "<n>/s" or "<n>/m", optionally followed by " burst <b>" (how many
 * calls may arrive at once; default n), e.g. "100/s burst 200".
 */
export function parseRate(text: string): Rate | undefined {
  const match = /^\s*(\d+)\s*\/\s*(s|m)\s*(?:burst\s+(\d+)\s*)?$/.exec(text);
  if (match === null) return undefined;
  const limit = Number(match[1]);
  const burst = match[3] === undefined ? limit : Number(match[3]);
  if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(burst) || burst < 1) return undefined;
  return { limit, periodMs: match[2] === "s" ? 1_000 : 60_000, burst };
}

function rate(env: NodeJS.ProcessEnv, variable: string, fallback: string): Rate {
  const raw = env[variable];
  const parsed = parseRate(raw === undefined || raw === "" ? fallback : raw);
  if (parsed === undefined) throw new Error(`${variable} must look like "100/s" or "600/m", optionally with " burst <n>", got "${raw}"`);
  return parsed;
}
