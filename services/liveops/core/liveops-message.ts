import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  GoalSchema,
  LiveEventInstanceSchema,
  LiveEventSchema,
  ParticipationSchema,
  RewardClaimSchema,
  RewardTierSchema,
  ScheduleSchema,
  type LiveEvent,
  type LiveEventInstance,
  type Participation,
  type RewardClaim,
} from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import type { ClaimRecord, ItemRewardRecord, LiveEventRecord, ParticipationRecord, TierRecord, Window } from "./live-event-records.js";
import { stateOf } from "./event-state.js";
import { reachedTiers } from "./tiers.js";

const items = (list: readonly ItemRewardRecord[]) => list.map((i) => ({ definitionId: i.definitionId, quantity: i.quantity }));

const tierOf = (t: TierRecord) => create(RewardTierSchema, { tier: t.tier, threshold: t.threshold, gold: t.gold, items: items(t.items) });

export function toLiveEvent(event: LiveEventRecord, now: Date): LiveEvent {
  const { schedule } = event;
  return create(LiveEventSchema, {
    eventId: event.eventId,
    title: event.title,
    description: event.description,
    goal: create(GoalSchema, event.goal),
    tiers: event.tiers.map(tierOf),
    schedule: create(ScheduleSchema, {
      startTime: timestampFromDate(schedule.startsAt),
      endTime: timestampFromDate(schedule.endsAt),
      recurrence:
        schedule.recurrence === undefined
          ? undefined
          : { cron: schedule.recurrence.cron, timeZone: schedule.recurrence.timeZone, duration: durationFromMs(schedule.recurrence.durationMs) },
    }),
    state: stateOf(event, now),
    cancelReason: event.cancelReason,
    createTime: timestampFromDate(event.createdAt),
    updateTime: timestampFromDate(event.updatedAt),
  });
}

export function toInstance(instanceId: string, eventId: string, window: Window): LiveEventInstance {
  return create(LiveEventInstanceSchema, { instanceId, eventId, startTime: timestampFromDate(window.startsAt), endTime: timestampFromDate(window.endsAt) });
}

export function toParticipation(p: ParticipationRecord, tiers: readonly TierRecord[]): Participation {
  return create(ParticipationSchema, {
    instanceId: p.instanceId,
    eventId: p.eventId,
    characterId: p.characterId,
    progress: p.progress,
    reachedTiers: reachedTiers(tiers, p.progress).map((t) => t.tier),
    claimedTiers: [...p.claimedTiers],
    joinTime: timestampFromDate(p.joinedAt),
  });
}

export function toClaim(c: ClaimRecord): RewardClaim {
  return create(RewardClaimSchema, {
    instanceId: c.instanceId,
    eventId: c.eventId,
    characterId: c.characterId,
    tier: c.tier,
    gold: c.gold,
    items: items(c.items),
    grantIds: [...c.grantIds],
    claimTime: timestampFromDate(c.claimedAt),
  });
}
