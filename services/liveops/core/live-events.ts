import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { validateGoal } from "./goals.js";
import { instanceIdOf } from "./instance-id.js";
import type { GoalRecord, LiveEventRecord, ScheduleRecord, Window } from "./live-event-records.js";
import { liveEventCancelled, liveEventEnded, liveEventScheduled, liveEventStarted } from "./liveops-events.js";
import { stateOf } from "./event-state.js";
import type { EventCursor, LiveopsStore } from "./liveops-store.js";
import { currentOrNext, firstOccurrence, validateSchedule, type ScheduleLimits } from "./schedule.js";
import { validateTiers, type TierInput } from "./tiers.js";

/** What an admin says about an event. */
export interface LiveEventInput {
  readonly title: string;
  readonly description: string;
  readonly tiers: readonly TierInput[];
  readonly schedule: ScheduleRecord;
}

/** Who asks: only admins change events. */
export interface Actor {
  readonly isAdmin: boolean;
  /** The admin's account id, for the record; empty for the operator workload. */
  readonly accountId: string;
}

/** The admin's schedule of live events, and everyone's view of it. */
export interface LiveEvents {
  create(actor: Actor, input: LiveEventInput & { readonly goal: GoalRecord }): Promise<LiveEventRecord>;
  update(actor: Actor, eventId: string, input: LiveEventInput): Promise<LiveEventRecord>;
  cancel(actor: Actor, eventId: string, reason: string): Promise<LiveEventRecord>;
  get(eventId: string): Promise<{ event: LiveEventRecord; current: { instanceId: string; window: Window } | undefined }>;
  list(state: LiveEventState | undefined, cursor: EventCursor | undefined, limit: number): Promise<LiveEventRecord[]>;
}

export const eventNotFound = (eventId: string) => new DomainError(ErrorReason.EVENT_NOT_FOUND, `no live event ${eventId}`);

const requireAdmin = (actor: Actor) => {
  if (!actor.isAdmin) throw new DomainError(ErrorReason.ADMIN_ONLY, "only admins schedule, change and cancel live events");
};

export function createLiveEvents(store: LiveopsStore, limits: ScheduleLimits, clock: () => Date = () => new Date()): LiveEvents {
  const checked = (input: LiveEventInput, now: Date) => {
    validateSchedule(input.schedule, now, limits);
    return { tiers: validateTiers(input.tiers), first: firstOccurrence(input.schedule)! };
  };
  return {
    async create(actor, input) {
      requireAdmin(actor);
      const now = clock();
      const goal = validateGoal(input.goal);
      const { tiers, first } = checked(input, now);
      const event: LiveEventRecord = {
        eventId: randomUUID(),
        title: input.title,
        description: input.description,
        goal,
        tiers,
        schedule: input.schedule,
        cancelledAt: undefined,
        cancelReason: "",
        createdAt: now,
        updatedAt: now,
      };
      await store.transaction(async (tx) => {
        await tx.insertEvent(event, first.startsAt);
        await tx.publish([liveEventScheduled(event, now, actor.accountId)]);
      });
      return event;
    },
    async update(actor, eventId, input) {
      requireAdmin(actor);
      const now = clock();
      return store.transaction(async (tx) => {
        const event = await tx.lockEvent(eventId);
        if (event === undefined) throw eventNotFound(eventId);
        if (event.cancelledAt !== undefined) throw new DomainError(ErrorReason.EVENT_CANCELLED, "the event was cancelled");
        // Participants joined for the goal, tiers and window they saw: once an occurrence ran, those stay.
        if (stateOf(event, now) !== LiveEventState.SCHEDULED) {
          throw new DomainError(ErrorReason.EVENT_ALREADY_STARTED, "the event's first occurrence started: its tiers and schedule are fixed");
        }
        const { tiers, first } = checked(input, now);
        const updated: LiveEventRecord = { ...event, title: input.title, description: input.description, tiers, schedule: input.schedule, updatedAt: now };
        await tx.updateEvent(updated, first.startsAt);
        await tx.publish([liveEventScheduled(updated, now, actor.accountId)]);
        return updated;
      });
    },
    async cancel(actor, eventId, reason) {
      requireAdmin(actor);
      const now = clock();
      return store.transaction(async (tx) => {
        const event = await tx.lockEvent(eventId);
        if (event === undefined) throw eventNotFound(eventId);
        if (event.cancelledAt !== undefined) return event;
        const cancelled: LiveEventRecord = { ...event, cancelledAt: now, cancelReason: reason, updatedAt: now };
        await tx.updateEvent(cancelled, firstOccurrence(event.schedule)?.startsAt ?? event.schedule.startsAt);
        const ended = [];
        // The running occurrence ends now; one joined before the schedule job announced its start is announced started first.
        for (const instance of await tx.instancesToEnd(now, eventId)) {
          if (!instance.startAnnounced) ended.push(liveEventStarted(instance, event.title));
          ended.push(liveEventEnded(instance, true, await tx.participantCount(instance.instanceId)));
          await tx.markAnnounced(instance.instanceId, "start");
          await tx.markAnnounced(instance.instanceId, "end");
        }
        await tx.publish([liveEventCancelled(cancelled, now, actor.accountId), ...ended]);
        return cancelled;
      });
    },
    async get(eventId) {
      const event = await store.event(eventId);
      if (event === undefined) throw eventNotFound(eventId);
      const window = event.cancelledAt === undefined ? currentOrNext(event.schedule, clock()) : undefined;
      return { event, current: window === undefined ? undefined : { instanceId: instanceIdOf(eventId, window), window } };
    },
    list: (state, cursor, limit) => store.listEvents(state, clock(), cursor, limit),
  };
}
