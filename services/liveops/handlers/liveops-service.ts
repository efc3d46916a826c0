import { durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { GoalKind, LiveEventState, type RewardTier, type Schedule } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import type { LiveopsService } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { actsAsAdmin, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { ScheduleRecord } from "../core/live-event-records.js";
import type { LiveEvents } from "../core/live-events.js";
import { toClaim, toInstance, toLiveEvent, toParticipation } from "../core/liveops-message.js";
import type { Participations } from "../core/participation.js";
import type { TierInput } from "../core/tiers.js";
import { decodeEventPageToken, decodeLeaderboardPageToken, encodeEventPageToken, encodeLeaderboardPageToken } from "./page-token.js";

/** Listings without a page size get this many per page. */
const defaultPageSize = 20;

// Required fields are checked by protovalidate before a handler runs.
const scheduleOf = (s: Schedule | undefined): ScheduleRecord => ({
  startsAt: timestampDate(s!.startTime!),
  endsAt: timestampDate(s!.endTime!),
  recurrence:
    s!.recurrence === undefined
      ? undefined
      : { cron: s!.recurrence.cron, timeZone: s!.recurrence.timeZone === "" ? "UTC" : s!.recurrence.timeZone, durationMs: durationMs(s!.recurrence.duration!) },
});

const tiersOf = (tiers: readonly RewardTier[]): TierInput[] =>
  tiers.map((t) => ({ threshold: t.threshold, gold: t.gold, items: t.items.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity })) }));

const actor = (context: HandlerContext) => ({ isAdmin: actsAsAdmin(context), accountId: principalOf(context)?.subject ?? "" });

/** The public API: players (token subject = player id) join and claim with their own characters; admins run the schedule. */
export function createLiveopsHandlers(events: LiveEvents, participations: Participations): ServiceImpl<typeof LiveopsService> {
  return {
    async listLiveEvents(request) {
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const state = request.state === LiveEventState.UNSPECIFIED ? undefined : request.state;
      const found = await events.list(state, decodeEventPageToken(request.state, request.pageToken), pageSize + 1);
      const page = found.slice(0, pageSize);
      const last = page.at(-1);
      const now = new Date();
      return {
        events: page.map((e) => toLiveEvent(e, now)),
        nextPageToken: found.length > pageSize && last !== undefined ? encodeEventPageToken(request.state, { startsAt: last.schedule.startsAt, eventId: last.eventId }) : "",
      };
    },
    async getLiveEvent(request) {
      const { event, current } = await events.get(request.eventId);
      return { event: toLiveEvent(event, new Date()), currentInstance: current === undefined ? undefined : toInstance(current.instanceId, event.eventId, current.window) };
    },
    async joinLiveEvent(request, context) {
      const { participation, instance, event } = await participations.join(requirePrincipal(context).subject, request.eventId, request.characterId);
      return { participation: toParticipation(participation, event.tiers), instance: toInstance(instance.instanceId, instance.eventId, instance) };
    },
    async getParticipation(request, context) {
      const { participation, event } = await participations.get(requirePrincipal(context).subject, request.instanceId, request.characterId);
      return { participation: toParticipation(participation, event.tiers) };
    },
    async claimReward(request, context) {
      return { claim: toClaim(await participations.claim(requirePrincipal(context).subject, request.instanceId, request.characterId, request.tier)) };
    },
    async listLeaderboard(request) {
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const offset = decodeLeaderboardPageToken(request.instanceId, request.pageToken);
      const found = await participations.leaderboard(request.instanceId, offset, pageSize + 1);
      const page = found.slice(0, pageSize);
      return {
        entries: page.map((s, i) => ({ rank: BigInt(offset + i + 1), characterId: s.characterId, characterName: s.name, progress: s.progress })),
        nextPageToken: found.length > pageSize ? encodeLeaderboardPageToken(request.instanceId, offset + pageSize) : "",
      };
    },
    async createLiveEvent(request, context) {
      const created = await events.create(actor(context), {
        title: request.title,
        description: request.description,
        goal: { kind: request.goal?.kind ?? GoalKind.UNSPECIFIED, school: request.goal?.school ?? School.UNSPECIFIED },
        tiers: tiersOf(request.tiers),
        schedule: scheduleOf(request.schedule),
      });
      return { event: toLiveEvent(created, new Date()) };
    },
    async updateLiveEvent(request, context) {
      const updated = await events.update(actor(context), request.eventId, {
        title: request.title,
        description: request.description,
        tiers: tiersOf(request.tiers),
        schedule: scheduleOf(request.schedule),
      });
      return { event: toLiveEvent(updated, new Date()) };
    },
    async cancelLiveEvent(request, context) {
      return { event: toLiveEvent(await events.cancel(actor(context), request.eventId, request.reason), new Date()) };
    },
  };
}
