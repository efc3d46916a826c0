import { Cron } from "croner";

/**
 * When seasons start, from a cron expression read in UTC. croner rather than
 * cron-parser: no dependencies, and it answers "the first start after t"
 * (nextRun(t)) for any t we hand it, with the time zone pinned per schedule,
 * which is all a season clock needs; it never needs to run timers (paused).
 */
export interface SeasonSchedule {
  /** The first season start strictly after `after`. */
  nextStart(after: Date): Date;
}

/** A span of ranked play: [startsAt, endsAt). */
export interface Season {
  readonly number: number;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

export function createSeasonSchedule(cron: string): SeasonSchedule {
  const schedule = new Cron(cron, { timezone: "UTC", paused: true });
  return {
    nextStart(after) {
      const next = schedule.nextRun(after);
      if (next === null) throw new Error(`the schedule "${cron}" has no start after ${after.toISOString()}`);
      return next;
    },
  };
}

/**
 * The seasons to open so that one covers `now`: none while `current` still
 * runs; the first season (number 1, from `now`) when there is none yet; else
 * every season the schedule started since `current` ended, in order (a
 * service stopped over a boundary still numbers seasons as the schedule
 * does). Pure: the clock is the caller's, so the edges are tested without waiting.
 */
export function seasonsToOpen(schedule: SeasonSchedule, current: Season | undefined, now: Date): Season[] {
  if (current === undefined) return [{ number: 1, startsAt: now, endsAt: schedule.nextStart(now) }];
  const opened: Season[] = [];
  let last = current;
  while (last.endsAt.getTime() <= now.getTime()) {
    last = { number: last.number + 1, startsAt: last.endsAt, endsAt: schedule.nextStart(last.endsAt) };
    opened.push(last);
  }
  return opened;
}

/** The season of `seasons` in force at `at` (a match's forming time), if any. */
export function seasonAt(seasons: readonly Season[], at: Date): Season | undefined {
  return seasons.find((s) => s.startsAt.getTime() <= at.getTime() && at.getTime() < s.endsAt.getTime());
}
