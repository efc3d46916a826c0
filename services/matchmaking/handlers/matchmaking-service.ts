import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { StreamTicketUpdatesResponseSchema, type MatchmakingService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_service_pb.js";
import { actsAsAdmin, decodePageToken, encodePageToken, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { LeaderboardCursor } from "../core/matchmaking-store.js";
import type { QueueConfig } from "../core/queue-config.js";
import { toMatch, toRating, toSeason, toTicket } from "../core/matchmaking-messages.js";
import type { ReadyCheck } from "../core/ready-check.js";
import type { Standings } from "../core/standings.js";
import type { TicketView, Tickets } from "../core/tickets.js";
import { conservativeRank } from "../core/skill-rating.js";

/** Leaderboard pages without a size get this many ratings. */
const defaultPageSize = 20;

/** What the handlers drive. */
export interface MatchmakingFlows {
  readonly tickets: Tickets;
  readonly readyCheck: ReadyCheck;
  readonly standings: Standings;
  /** How often a ticket stream looks at its ticket. */
  readonly streamPollMs: number;
  /** The queues and regions of the settings, as ListQueues shows them. */
  readonly queues: readonly QueueConfig[];
  readonly regions: readonly string[];
}

const ended = (view: TicketView) => view.ticket.status === "cancelled" || view.ticket.status === "expired" || view.ticket.status === "matched";

/** Queue statistics are for operators: an admin, or the operator workload with no end user. */
function requireAdmin(context: HandlerContext): void {
  if (actsAsAdmin(context)) return;
  if (principalOf(context) === undefined) throw new ConnectError("queue statistics need an admin's access token", Code.Unauthenticated);
  throw new ConnectError("queue statistics are for admins only", Code.PermissionDenied);
}

/** The public API: an authenticated player acts through their own characters (token subject = player id). */
export function createMatchmakingHandlers(flows: MatchmakingFlows): { handlers: ServiceImpl<typeof MatchmakingService>; endStreams(): void } {
  // Open ticket streams, ended at drain: they would hold shutdown for the whole grace period, and their clients re-open them on another replica.
  const streams = new Set<AbortController>();
  const player = (context: HandlerContext) => requirePrincipal(context).subject;
  const answer = (view: TicketView) =>
    create(StreamTicketUpdatesResponseSchema, {
      ticket: toTicket(view.ticket),
      match: view.match === undefined ? undefined : toMatch(view.match),
      ratingWindow: view.window,
      waitSeconds: view.waitSeconds,
    });
  const handlers: ServiceImpl<typeof MatchmakingService> = {
    listQueues() {
      return {
        queues: flows.queues.map((q) => ({ queueId: q.id, teamSize: q.teamSize, ranked: q.ranked, initialWindow: q.initialWindow, widenPerSecond: q.widenPerSecond, maxWindow: q.maxWindow })),
        regions: [...flows.regions],
      };
    },
    async joinQueue(request, context) {
      const ticket = await flows.tickets.join({
        playerId: player(context),
        characterId: request.characterId,
        partyCharacterIds: request.partyCharacterIds,
        queueId: request.queueId,
        region: request.region,
        latencyMs: request.latencyMs,
      });
      return { ticket: toTicket(ticket) };
    },
    async leaveQueue(request, context) {
      return { ticket: toTicket(await flows.tickets.leave(player(context), request.ticketId, request.characterId)) };
    },
    async getTicket(request, context) {
      const view = await flows.tickets.view(player(context), request.ticketId);
      return { ticket: toTicket(view.ticket), ratingWindow: view.window };
    },
    async *streamTicketUpdates(request, context) {
      const principal = requirePrincipal(context);
      // The stream ends with the ticket, or when the access token expires (the client re-opens it with a fresh one).
      const drained = new AbortController();
      streams.add(drained);
      const ends = AbortSignal.any([context.signal, drained.signal, AbortSignal.timeout(Math.max(0, principal.expiresAt.getTime() - Date.now()))]);
      let last = "";
      try {
        for (;;) {
          const view = await flows.tickets.view(principal.subject, request.ticketId);
          const shown = answer(view);
          // The window is shown to two decimals: a change below that is no news to a console.
          const key = JSON.stringify([view.ticket.status, view.match?.status, view.match?.players.filter((p) => p.accepted).length, view.window.toFixed(2)]);
          if (key !== last) {
            last = key;
            yield shown;
          }
          if (ended(view) || ends.aborted) return;
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              ends.removeEventListener("abort", wake);
              resolve();
            };
            const timer = setTimeout(wake, flows.streamPollMs);
            ends.addEventListener("abort", wake, { once: true });
          });
          if (ends.aborted) return;
        }
      } finally {
        streams.delete(drained);
      }
    },
    async acceptMatch(request, context) {
      return { match: toMatch(await flows.readyCheck.accept(player(context), request.matchId, request.characterId)) };
    },
    async declineMatch(request, context) {
      return { match: toMatch(await flows.readyCheck.decline(player(context), request.matchId, request.characterId)) };
    },
    async getMatch(request, context) {
      return { match: toMatch(await flows.readyCheck.view(player(context), request.matchId, request.characterId)) };
    },
    async getRating(request) {
      return { rating: toRating(await flows.standings.rating(request.characterId, request.queueId, request.seasonNumber)) };
    },
    async listLeaderboard(request) {
      const scope = `leaderboard:${request.queueId}:${request.seasonNumber}`;
      const after = decodePageToken(scope, request.pageToken, (c): c is [number, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "number" && typeof c[1] === "string");
      const cursor: LeaderboardCursor | undefined = after === undefined ? undefined : { conservative: after[0], characterId: after[1] };
      const limit = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const page = await flows.standings.leaderboard(request.queueId, request.seasonNumber, cursor, limit + 1);
      const shown = page.ratings.slice(0, limit);
      const lastShown = shown.at(-1);
      return {
        ratings: shown.map(toRating),
        seasonNumber: page.seasonNumber,
        nextPageToken: page.ratings.length > limit && lastShown !== undefined ? encodePageToken(scope, [conservativeRank(lastShown.rating), lastShown.characterId]) : "",
      };
    },
    async listSeasons() {
      return { seasons: (await flows.standings.seasons()).map(toSeason) };
    },
    async getQueueStatistics(request, context) {
      requireAdmin(context);
      const s = await flows.standings.statistics(request.queueId);
      return {
        queueId: request.queueId,
        searchingTickets: s.searchingTickets,
        searchingPlayers: s.searchingPlayers,
        waitP50Seconds: s.waitP50Seconds,
        waitP90Seconds: s.waitP90Seconds,
        readyChecks: s.readyChecks,
        runningMatches: s.runningMatches,
        readTime: timestampFromDate(new Date()),
      };
    },
  };
  return {
    handlers,
    endStreams() {
      for (const s of streams) s.abort();
    },
  };
}
