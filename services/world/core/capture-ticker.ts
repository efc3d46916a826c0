import type { Logger } from "pino";
import type { Captures } from "./captures.js";
import type { TickClock } from "./tick-clock.js";

/** The running timer of capture ticks. */
export interface CaptureTicker {
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * Runs each tick as it comes, on every replica: the first replica to take
 * the tick lock applies it, the others find it taken and skip it (and any
 * that comes late finds every contest has had it). A failed tick is logged;
 * its contests get the next one.
 */
export function startCaptureTicker(captures: Captures, clock: TickClock, logger: Logger): CaptureTicker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    // At the start of the next tick, whatever the last one took.
    const wait = clock.tickMs - (clock.now().getTime() % clock.tickMs);
    timer = setTimeout(() => {
      running = captures
        .tick(clock.tickAt(), { wait: false })
        .then(
          () => undefined,
          (error: unknown) => logger.warn({ err: error }, "capture tick failed; its contests get the next one"),
        )
        .finally(schedule);
    }, wait);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
