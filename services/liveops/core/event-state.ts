import { LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import type { LiveEventRecord } from "./live-event-records.js";
import { firstOccurrence } from "./schedule.js";

/** Where an event is at `now`: cancelled, before its first occurrence, after its end, or running. */
export function stateOf(event: LiveEventRecord, now: Date): LiveEventState {
  if (event.cancelledAt !== undefined) return LiveEventState.CANCELLED;
  if (now.getTime() >= event.schedule.endsAt.getTime()) return LiveEventState.ENDED;
  const first = firstOccurrence(event.schedule);
  return first === undefined || now.getTime() < first.startsAt.getTime() ? LiveEventState.SCHEDULED : LiveEventState.ACTIVE;
}
