import { describe, expect, it } from "vitest";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import type { DomainError } from "@chaos/mesh/domain";
import type { ScheduleRecord } from "./live-event-records.js";
import { currentOrNext, firstOccurrence, nextOccurrence, occurrenceAt, validateSchedule } from "./schedule.js";

const at = (iso: string) => new Date(iso);
const limits = { maxScheduleMs: 30 * 86_400_000, overlapChecks: 1000 };
const now = at("2026-03-01T00:00:00Z");

/** Fridays 20:00 UTC for two hours, through March 2026 (Fridays: the 6th, 13th, 20th, 27th). */
const fridays: ScheduleRecord = {
  startsAt: at("2026-03-01T00:00:00Z"),
  endsAt: at("2026-03-28T00:00:00Z"),
  recurrence: { cron: "0 20 * * 5", timeZone: "UTC", durationMs: 2 * 3_600_000 },
};

function refusal(schedule: ScheduleRecord): DomainError {
  try {
    validateSchedule(schedule, now, limits);
  } catch (error) {
    return error as DomainError;
  }
  throw new Error("the schedule was accepted");
}

describe("schedule validation", () => {
  it("accepts a one-off window and a recurrence with room between occurrences", () => {
    expect(() => validateSchedule({ startsAt: at("2026-03-02T00:00:00Z"), endsAt: at("2026-03-03T00:00:00Z"), recurrence: undefined }, now, limits)).not.toThrow();
    expect(() => validateSchedule(fridays, now, limits)).not.toThrow();
  });

  it("refuses an end before (or at) the start, naming the field", () => {
    const e = refusal({ startsAt: at("2026-03-03T00:00:00Z"), endsAt: at("2026-03-02T00:00:00Z"), recurrence: undefined });
    expect(e.reason).toBe(ErrorReason.INVALID_SCHEDULE);
    expect(e.metadata).toEqual({ field: "schedule.end_time" });
    expect(e.message).toContain("must be after start_time");
    expect(refusal({ startsAt: at("2026-03-03T00:00:00Z"), endsAt: at("2026-03-03T00:00:00Z"), recurrence: undefined }).metadata.field).toBe("schedule.end_time");
  });

  it("refuses an end in the past and a schedule longer than the limit", () => {
    expect(refusal({ startsAt: at("2026-02-01T00:00:00Z"), endsAt: at("2026-02-02T00:00:00Z"), recurrence: undefined }).message).toContain("in the past");
    expect(refusal({ startsAt: at("2026-03-02T00:00:00Z"), endsAt: at("2026-05-02T00:00:00Z"), recurrence: undefined }).message).toContain("at most 30 days");
  });

  it("refuses a cron expression that does not parse, with the parser's reason", () => {
    const e = refusal({ ...fridays, recurrence: { ...fridays.recurrence!, cron: "61 * * * *" } });
    expect(e.metadata).toEqual({ field: "schedule.recurrence.cron" });
    expect(e.message).toMatch(/"61 \* \* \* \*" is not a cron expression: .*minute/);
    expect(refusal({ ...fridays, recurrence: { ...fridays.recurrence!, cron: "every friday" } }).metadata.field).toBe("schedule.recurrence.cron");
  });

  it("refuses an unknown time zone", () => {
    expect(refusal({ ...fridays, recurrence: { ...fridays.recurrence!, timeZone: "Mars/Olympus" } }).metadata.field).toBe("schedule.recurrence.time_zone");
  });

  it("refuses a recurrence with no occurrence inside the window", () => {
    // February 30th never comes.
    const e = refusal({ ...fridays, recurrence: { ...fridays.recurrence!, cron: "0 0 30 2 *" } });
    expect(e.message).toContain("names no time between start_time and end_time");
  });

  it("refuses occurrences longer than the gap to the next one, and a zero duration", () => {
    const e = refusal({ ...fridays, recurrence: { cron: "0 * * * *", timeZone: "UTC", durationMs: 3_600_001 } });
    expect(e.metadata).toEqual({ field: "schedule.recurrence.duration" });
    expect(e.message).toContain("occurrences overlap");
    // Back to back is fine: a window's end is exclusive.
    expect(() => validateSchedule({ ...fridays, recurrence: { cron: "0 * * * *", timeZone: "UTC", durationMs: 3_600_000 } }, now, limits)).not.toThrow();
    expect(refusal({ ...fridays, recurrence: { cron: "0 * * * *", timeZone: "UTC", durationMs: 0 } }).metadata.field).toBe("schedule.recurrence.duration");
  });

  it("finds overlaps where a cron's gaps vary (the 1st and 2nd of a month are a day apart)", () => {
    const monthly: ScheduleRecord = { startsAt: at("2026-03-01T00:00:00Z"), endsAt: at("2026-03-25T00:00:00Z"), recurrence: { cron: "0 0 1,2 * *", timeZone: "UTC", durationMs: 2 * 86_400_000 } };
    expect(refusal(monthly).message).toContain("occurrences overlap");
  });
});

describe("occurrences", () => {
  it("a one-off event is one window, start inclusive, end exclusive", () => {
    const once: ScheduleRecord = { startsAt: at("2026-03-02T10:00:00Z"), endsAt: at("2026-03-02T12:00:00Z"), recurrence: undefined };
    expect(occurrenceAt(once, at("2026-03-02T09:59:59.999Z"))).toBeUndefined();
    expect(occurrenceAt(once, at("2026-03-02T10:00:00Z"))).toEqual({ startsAt: once.startsAt, endsAt: once.endsAt });
    expect(occurrenceAt(once, at("2026-03-02T11:59:59.999Z"))).toEqual({ startsAt: once.startsAt, endsAt: once.endsAt });
    expect(occurrenceAt(once, at("2026-03-02T12:00:00Z"))).toBeUndefined();
    expect(nextOccurrence(once, at("2026-03-01T00:00:00Z"))).toEqual({ startsAt: once.startsAt, endsAt: once.endsAt });
    expect(currentOrNext(once, at("2026-03-02T12:00:00Z"))).toBeUndefined();
  });

  it("a recurring event's occurrences start at each cron time and last their duration", () => {
    expect(firstOccurrence(fridays)).toEqual({ startsAt: at("2026-03-06T20:00:00Z"), endsAt: at("2026-03-06T22:00:00Z") });
    expect(occurrenceAt(fridays, at("2026-03-06T19:59:59.999Z"))).toBeUndefined();
    expect(occurrenceAt(fridays, at("2026-03-13T20:00:00Z"))).toEqual({ startsAt: at("2026-03-13T20:00:00Z"), endsAt: at("2026-03-13T22:00:00Z") });
    expect(occurrenceAt(fridays, at("2026-03-13T21:59:59.999Z"))?.startsAt).toEqual(at("2026-03-13T20:00:00Z"));
    expect(occurrenceAt(fridays, at("2026-03-13T22:00:00Z"))).toBeUndefined();
    // Between occurrences: none now, the next one is the following Friday.
    expect(currentOrNext(fridays, at("2026-03-14T00:00:00Z"))).toEqual({ startsAt: at("2026-03-20T20:00:00Z"), endsAt: at("2026-03-20T22:00:00Z") });
    // After the last one (the 27th), nothing is left.
    expect(nextOccurrence(fridays, at("2026-03-27T20:00:00.001Z"))).toBeUndefined();
  });

  it("a cron time exactly at the schedule's start is the first occurrence; one at its end is none", () => {
    const hourly: ScheduleRecord = { startsAt: at("2026-03-02T10:00:00Z"), endsAt: at("2026-03-02T12:00:00Z"), recurrence: { cron: "0 * * * *", timeZone: "UTC", durationMs: 1_800_000 } };
    expect(firstOccurrence(hourly)).toEqual({ startsAt: at("2026-03-02T10:00:00Z"), endsAt: at("2026-03-02T10:30:00Z") });
    expect(nextOccurrence(hourly, at("2026-03-02T11:00:00.001Z"))).toBeUndefined();
  });

  it("the schedule's end cuts the last occurrence short", () => {
    const late: ScheduleRecord = { startsAt: at("2026-03-02T00:00:00Z"), endsAt: at("2026-03-02T20:30:00Z"), recurrence: { cron: "0 20 * * *", timeZone: "UTC", durationMs: 3_600_000 } };
    expect(occurrenceAt(late, at("2026-03-02T20:10:00Z"))).toEqual({ startsAt: at("2026-03-02T20:00:00Z"), endsAt: at("2026-03-02T20:30:00Z") });
    expect(occurrenceAt(late, at("2026-03-02T20:30:00Z"))).toBeUndefined();
  });

  it("reads the expression in its time zone (20:00 in Berlin is 19:00 UTC in winter, 18:00 in summer)", () => {
    const berlin: ScheduleRecord = { startsAt: at("2026-03-20T00:00:00Z"), endsAt: at("2026-04-05T00:00:00Z"), recurrence: { cron: "0 20 * * 5", timeZone: "Europe/Berlin", durationMs: 3_600_000 } };
    expect(firstOccurrence(berlin)?.startsAt).toEqual(at("2026-03-20T19:00:00Z"));
    expect(nextOccurrence(berlin, at("2026-03-21T00:00:00Z"))?.startsAt).toEqual(at("2026-03-27T19:00:00Z"));
    // Summer time from March 29th.
    expect(nextOccurrence(berlin, at("2026-03-28T00:00:00Z"))?.startsAt).toEqual(at("2026-04-03T18:00:00Z"));
  });

  it("second-precision expressions (six fields) make short occurrences", () => {
    const everyTen: ScheduleRecord = { startsAt: at("2026-03-02T10:00:00Z"), endsAt: at("2026-03-02T10:01:00Z"), recurrence: { cron: "*/10 * * * * *", timeZone: "UTC", durationMs: 5_000 } };
    expect(occurrenceAt(everyTen, at("2026-03-02T10:00:14Z"))).toEqual({ startsAt: at("2026-03-02T10:00:10Z"), endsAt: at("2026-03-02T10:00:15Z") });
    expect(occurrenceAt(everyTen, at("2026-03-02T10:00:15Z"))).toBeUndefined();
  });
});
