import { describe, expect, it } from "vitest";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { GoalKind, LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { stateOf } from "./event-state.js";
import type { LiveEventRecord } from "./live-event-records.js";

const at = (iso: string) => new Date(iso);
// Fridays 20:00 UTC for two hours, from Sunday March 1st: the first occurrence is on the 6th.
const event: LiveEventRecord = {
  eventId: "e",
  title: "Friday fights",
  description: "",
  goal: { kind: GoalKind.DEFEATS, school: School.UNSPECIFIED },
  tiers: [],
  schedule: { startsAt: at("2026-03-01T00:00:00Z"), endsAt: at("2026-03-28T00:00:00Z"), recurrence: { cron: "0 20 * * 5", timeZone: "UTC", durationMs: 7_200_000 } },
  cancelledAt: undefined,
  cancelReason: "",
  createdAt: at("2026-02-01T00:00:00Z"),
  updatedAt: at("2026-02-01T00:00:00Z"),
};

describe("an event's state", () => {
  it("is scheduled until its first occurrence starts, active until its schedule ends (between occurrences too), then ended", () => {
    expect(stateOf(event, at("2026-03-02T00:00:00Z"))).toBe(LiveEventState.SCHEDULED);
    expect(stateOf(event, at("2026-03-06T19:59:59Z"))).toBe(LiveEventState.SCHEDULED);
    expect(stateOf(event, at("2026-03-06T20:00:00Z"))).toBe(LiveEventState.ACTIVE);
    expect(stateOf(event, at("2026-03-10T00:00:00Z"))).toBe(LiveEventState.ACTIVE);
    expect(stateOf(event, at("2026-03-28T00:00:00Z"))).toBe(LiveEventState.ENDED);
  });

  it("is cancelled once cancelled, whatever the clock says", () => {
    expect(stateOf({ ...event, cancelledAt: at("2026-03-02T00:00:00Z") }, at("2026-03-10T00:00:00Z"))).toBe(LiveEventState.CANCELLED);
  });
});
