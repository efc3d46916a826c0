import { create } from "@bufbuild/protobuf";
import {
  LiveEventCancelledSchema,
  LiveEventEndedSchema,
  LiveEventScheduledSchema,
  LiveEventStartedSchema,
  PlayerJoinedLiveEventSchema,
  ProgressRecordedSchema,
  RewardClaimedSchema,
} from "@chaos/gen/chaos/liveops/v1/events_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { ClaimRecord, InstanceRecord, LiveEventRecord, ParticipationRecord } from "./live-event-records.js";
import { toClaim, toInstance, toLiveEvent, toParticipation } from "./liveops-message.js";

const topic = topicName("liveops", "events");

// Keyed by the live event: one event's schedule changes, occurrences, joins,
// progress and claims stay in order for a consumer.
const event = (eventId: string, schema: OutgoingEvent["schema"], message: OutgoingEvent["message"]): OutgoingEvent => ({ topic, aggregateId: eventId, schema, message });

export const liveEventScheduled = (e: LiveEventRecord, now: Date, scheduledBy: string) =>
  event(e.eventId, LiveEventScheduledSchema, create(LiveEventScheduledSchema, { event: toLiveEvent(e, now), scheduledBy }));

export const liveEventCancelled = (e: LiveEventRecord, now: Date, cancelledBy: string) =>
  event(e.eventId, LiveEventCancelledSchema, create(LiveEventCancelledSchema, { event: toLiveEvent(e, now), cancelTime: timestampFromDate(now), cancelledBy }));

export const liveEventStarted = (i: InstanceRecord, title: string) =>
  event(i.eventId, LiveEventStartedSchema, create(LiveEventStartedSchema, { instance: toInstance(i.instanceId, i.eventId, i), title }));

export const liveEventEnded = (i: InstanceRecord, cancelled: boolean, participantCount: bigint) =>
  event(i.eventId, LiveEventEndedSchema, create(LiveEventEndedSchema, { instance: toInstance(i.instanceId, i.eventId, i), cancelled, participantCount }));

export const playerJoined = (p: ParticipationRecord) =>
  event(p.eventId, PlayerJoinedLiveEventSchema, create(PlayerJoinedLiveEventSchema, { participation: toParticipation(p, []), playerId: p.playerId }));

export const progressRecorded = (p: ParticipationRecord, progress: bigint, amount: bigint, source: { id: string; type: string }) =>
  event(
    p.eventId,
    ProgressRecordedSchema,
    create(ProgressRecordedSchema, { instanceId: p.instanceId, eventId: p.eventId, characterId: p.characterId, progress, amount, sourceEventId: source.id, sourceEventType: source.type }),
  );

export const rewardClaimed = (c: ClaimRecord) => event(c.eventId, RewardClaimedSchema, create(RewardClaimedSchema, { claim: toClaim(c) }));
