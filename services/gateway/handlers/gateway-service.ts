import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "@chaos/gen/chaos/gateway/v1/errors_pb.js";
import type { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { DomainError, requirePrincipal } from "@chaos/mesh/server";
import type { FeedStream, PlayerFeed } from "../core/player-feed.js";
import type { StreamLeases } from "../store/stream-leases.js";
import type { PresenceEvents } from "../events/presence-events.js";
import { rateLimited } from "./gateway-errors.js";

/** What GetServerInfo reports. */
export interface ServerInfo {
  /** The gateway's release (its package.json version). */
  readonly serverVersion: string;
  /** Contract packages served, e.g. "chaos.combat.v1". */
  readonly apiVersions: readonly string[];
}

/** A client over the stream limit may try again after this long (a stream of theirs may have closed by then). */
const streamLimitRetryMs = 5_000;

/**
 * The gateway's own RPCs: server info, and the live feed of the caller's
 * events. A feed for named characters makes them online (presence) while it
 * is open, when `presence` is given.
 */
export function createGatewayHandlers(info: ServerInfo, feed: PlayerFeed, leases: StreamLeases, presence?: PresenceEvents): Partial<ServiceImpl<typeof GatewayService>> {
  return {
    getServerInfo() {
      return { serverVersion: info.serverVersion, apiVersions: [...info.apiVersions], serverTime: timestampNow() };
    },

    async *streamPlayerEvents(request, context) {
      const principal = requirePrincipal(context);
      // The limit across every gateway replica first, then this process's own (which also holds while Redis is away).
      const lease = await leases.acquire(principal.subject);
      if (lease === undefined) throw rateLimited("player", streamLimitRetryMs, `a player may have at most ${feed.maxStreamsPerPlayer} event streams open; close one first`, { max_streams: String(feed.maxStreamsPerPlayer) });
      let stream: FeedStream;
      try {
        stream = feed.open(principal.subject, request.characterIds);
      } catch (error) {
        lease.release();
        if (error instanceof DomainError && error.reason === ErrorReason.RATE_LIMITED) {
          throw rateLimited("player", streamLimitRetryMs, error.message, { ...error.metadata });
        }
        throw error;
      }
      // The contract: the stream ends when the access token expires, and the client re-opens it with a fresh one.
      const ends = AbortSignal.any([context.signal, AbortSignal.timeout(Math.max(0, principal.expiresAt.getTime() - Date.now()))]);
      const offline = request.characterIds.length === 0 ? undefined : presence?.opened({ playerId: principal.subject, characterIds: request.characterIds });
      try {
        yield* stream.items(ends);
      } finally {
        // The lease first: its release is on the wire before the stream counts as closed, so a stream opened after
        // that (on any replica) finds the place free.
        lease.release();
        stream.end();
        offline?.();
      }
    },
  };
}
