import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { actsAsAdmin, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { Leaderboards } from "../core/leaderboards.js";
import type { Progression } from "../core/progression.js";
import { historyOf, toAchievement, toLeaderboardEntry, toProgress } from "./progress-messages.js";
import { decodeBoardPageToken, encodeBoardPageToken } from "./page-token.js";

/** Leaderboard pages without a page size get this many entries. */
const defaultPageSize = 10;

/**
 * Who may rebuild a leaderboard: an admin (kind "admin", or the "admin"
 * role), or the operator workload calling with no end user. An end user
 * always decides: the operator forwarding a player's token acts as that
 * player.
 */
function requireAdmin(context: HandlerContext): void {
  if (actsAsAdmin(context)) return;
  if (principalOf(context) === undefined) requirePrincipal(context);
  throw new ConnectError("rebuilding a leaderboard needs an admin", Code.PermissionDenied);
}

/** The public API: any authenticated player reads progression and leaderboards (they are public in the world); admins rebuild. */
export function createProgressionHandlers(progression: Progression, leaderboards: Leaderboards): ServiceImpl<typeof ProgressionService> {
  return {
    async getProgress(request, context) {
      requirePrincipal(context);
      return { progress: toProgress(await progression.get(request.characterId)) };
    },
    async listAchievements(request, context) {
      requirePrincipal(context);
      return { achievements: (await progression.achievements(request.characterId)).map(toAchievement) };
    },
    async getLeaderboard(request, context) {
      requirePrincipal(context);
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const offset = decodeBoardPageToken(request.board, request.pageToken);
      const page = await leaderboards.page(historyOf(request.board), offset, pageSize);
      const next = offset + page.entries.length;
      return { entries: page.entries.map(toLeaderboardEntry), nextPageToken: page.entries.length === pageSize && next < page.total ? encodeBoardPageToken(request.board, next) : "" };
    },
    async getLeaderboardRank(request, context) {
      requirePrincipal(context);
      return { entry: toLeaderboardEntry(await leaderboards.rank(historyOf(request.board), request.characterId)) };
    },
    async rebuildLeaderboard(request, context) {
      requireAdmin(context);
      const report = await leaderboards.rebuild(historyOf(request.board));
      return { entries: BigInt(report.entries), eventsReplayed: BigInt(report.eventsReplayed) };
    },
  };
}
