import { Cron } from "croner";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { ScheduleRecord, Window } from "./live-event-records.js";

/** Limits of a schedule, from the service's settings. */
export interface ScheduleLimits {
  /** Longest schedule, start to end. */
  readonly maxScheduleMs: number;
  /** Occurrences checked for overlap at validation (a cron's gaps can vary: "0 0 1,2 * *"). */
  readonly overlapChecks: number;
}

const invalid = (field: string, message: string) => new DomainError(ErrorReason.INVALID_SCHEDULE, message, { field });

/**
 * croner's matcher; `paused` and no callback: it only computes times, it never
 * arms a timer. croner rather than cron-parser: no dependencies (cron-parser
 * brings luxon), a pattern that does not parse throws at construction with a
 * reason we can hand to the admin, IANA zones through Intl, an optional
 * seconds field (short occurrences in tests), and it is the one cron library
 * the workspace already has (matchmaking).
 */
function cronOf(cron: string, timeZone: string): Cron {
  return new Cron(cron, { timezone: timeZone, paused: true });
}

/**
 * Refuses a schedule that cannot run as meant: end not after start, end in
 * the past, too long, a cron expression or time zone that does not parse,
 * a recurrence with no occurrence inside the window, or occurrences that
 * overlap (each occurrence is a window of its own; two at once would split
 * one player's progress between them).
 */
export function validateSchedule(schedule: ScheduleRecord, now: Date, limits: ScheduleLimits): void {
  const { startsAt, endsAt, recurrence } = schedule;
  if (endsAt.getTime() <= startsAt.getTime()) {
    throw invalid("schedule.end_time", `end_time (${endsAt.toISOString()}) must be after start_time (${startsAt.toISOString()})`);
  }
  if (endsAt.getTime() <= now.getTime()) throw invalid("schedule.end_time", `end_time (${endsAt.toISOString()}) is in the past`);
  if (endsAt.getTime() - startsAt.getTime() > limits.maxScheduleMs) {
    throw invalid("schedule.end_time", `a schedule lasts at most ${Math.round(limits.maxScheduleMs / 86_400_000)} days`);
  }
  if (recurrence === undefined) return;
  try {
    new Intl.DateTimeFormat("en", { timeZone: recurrence.timeZone });
  } catch {
    throw invalid("schedule.recurrence.time_zone", `"${recurrence.timeZone}" is not an IANA time zone`);
  }
  let cron: Cron;
  try {
    cron = cronOf(recurrence.cron, recurrence.timeZone);
  } catch (error) {
    throw invalid("schedule.recurrence.cron", `"${recurrence.cron}" is not a cron expression: ${(error as Error).message}`);
  }
  if (recurrence.durationMs <= 0) throw invalid("schedule.recurrence.duration", "an occurrence must last more than zero seconds");
  let previous = firstRunFrom(cron, startsAt);
  if (previous === undefined || previous.getTime() >= endsAt.getTime()) {
    throw invalid("schedule.recurrence.cron", `"${recurrence.cron}" names no time between start_time and end_time`);
  }
  for (let i = 0; i < limits.overlapChecks; i++) {
    const next = cron.nextRun(previous);
    if (next === null || next.getTime() >= endsAt.getTime()) return;
    if (next.getTime() - previous.getTime() < recurrence.durationMs) {
      throw invalid(
        "schedule.recurrence.duration",
        `occurrences overlap: the one at ${next.toISOString()} starts before the one at ${previous.toISOString()} ends (each lasts ${recurrence.durationMs / 1000} s)`,
      );
    }
    previous = next;
  }
}

/** The first cron time at or after `from`. */
function firstRunFrom(cron: Cron, from: Date): Date | undefined {
  return cron.nextRun(new Date(from.getTime() - 1)) ?? undefined;
}

/** An occurrence starting at `start`: it lasts its duration, and nothing runs past the schedule's end. */
function windowFrom(schedule: ScheduleRecord, start: Date): Window {
  const durationMs = schedule.recurrence?.durationMs ?? schedule.endsAt.getTime() - start.getTime();
  return { startsAt: start, endsAt: new Date(Math.min(start.getTime() + durationMs, schedule.endsAt.getTime())) };
}

/** The occurrence whose window holds `at` (start inclusive, end exclusive), if any. */
export function occurrenceAt(schedule: ScheduleRecord, at: Date): Window | undefined {
  const { startsAt, endsAt, recurrence } = schedule;
  if (at.getTime() < startsAt.getTime() || at.getTime() >= endsAt.getTime()) return undefined;
  if (recurrence === undefined) return { startsAt, endsAt };
  // Occurrences never overlap, so the one holding `at` is the first started after at − duration.
  const cron = cronOf(recurrence.cron, recurrence.timeZone);
  const earliest = Math.max(startsAt.getTime(), at.getTime() - recurrence.durationMs + 1);
  const start = firstRunFrom(cron, new Date(earliest));
  if (start === undefined || start.getTime() > at.getTime()) return undefined;
  return windowFrom(schedule, start);
}

/** The first occurrence starting at or after `from`, if any is left. */
export function nextOccurrence(schedule: ScheduleRecord, from: Date): Window | undefined {
  const { startsAt, endsAt, recurrence } = schedule;
  const after = new Date(Math.max(from.getTime(), startsAt.getTime()));
  if (recurrence === undefined) return after.getTime() === startsAt.getTime() ? { startsAt, endsAt } : undefined;
  const start = firstRunFrom(cronOf(recurrence.cron, recurrence.timeZone), after);
  return start === undefined || start.getTime() >= endsAt.getTime() ? undefined : windowFrom(schedule, start);
}

/** The schedule's first occurrence (validated schedules have one). */
export function firstOccurrence(schedule: ScheduleRecord): Window | undefined {
  return nextOccurrence(schedule, schedule.startsAt);
}

/** The occurrence running at `at`, else the next one. */
export function currentOrNext(schedule: ScheduleRecord, at: Date): Window | undefined {
  return occurrenceAt(schedule, at) ?? nextOccurrence(schedule, at);
}
