import { instanceIdOf } from "./instance-id.js";
import { liveEventEnded, liveEventStarted } from "./liveops-events.js";
import type { LiveopsStore } from "./liveops-store.js";
import { occurrenceAt } from "./schedule.js";

/** Where a failed round is reported (the service's logger). */
export interface ScheduleJobLogger {
  warn(fields: object, message: string): void;
}

/** The schedule job; stop() waits for a round under way. */
export interface ScheduleJob {
  /** One round now (tests and start-up). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One round of the schedule: makes the row of each occurrence running now,
 * announces occurrences that started (LiveEventStarted) and those whose
 * window closed (LiveEventEnded), once each: the announcement and its mark
 * commit together. Every replica runs the timer; a transaction-scoped
 * advisory lock lets one round run at a time, the others skip theirs.
 * An occurrence that started and ended while no replica ran is still
 * announced, started then ended, at the next round.
 */
export async function scheduleRound(store: LiveopsStore, now: Date): Promise<void> {
  await store.transaction(async (tx) => {
    if (!(await tx.tryScheduleLock())) return;
    for (const event of await tx.runningEvents(now)) {
      const window = occurrenceAt(event.schedule, now);
      if (window !== undefined) await tx.ensureInstance(instanceIdOf(event.eventId, window), event.eventId, window);
    }
    for (const candidate of await tx.instancesToStart(now)) {
      // The event's row, then the occurrence's: the order a cancellation locks them in. Locking the occurrences
      // first deadlocked with a cancellation now and then (PostgreSQL ended the cancel call with an error).
      const event = await tx.lockEvent(candidate.eventId);
      const instance = await tx.lockInstance(candidate.instanceId);
      if (instance === undefined || instance.startAnnounced || event === undefined || event.cancelledAt !== undefined) continue;
      await tx.publish([liveEventStarted(instance, event.title)]);
      await tx.markAnnounced(instance.instanceId, "start");
    }
    for (const instance of await tx.instancesToEnd(now)) {
      await tx.publish([liveEventEnded(instance, false, await tx.participantCount(instance.instanceId))]);
      await tx.markAnnounced(instance.instanceId, "end");
    }
  });
}

/** Runs a round every `intervalMs`; a round that fails (the database away) is logged, and the next one does its work. */
export function startScheduleJob(store: LiveopsStore, intervalMs: number, logger: ScheduleJobLogger, clock: () => Date = () => new Date()): ScheduleJob {
  let round: Promise<void> = Promise.resolve();
  const runOnce = () => {
    round = round.then(() =>
      scheduleRound(store, clock()).catch((error: unknown) => logger.warn({ err: error }, "the live-event schedule round failed; the next round retries")),
    );
    return round;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
