/**
 * The capture clock. Ticks are numbered floor(unix ms / tickMs), so every
 * replica names the same interval alike without talking to the others; a
 * capture stores the last tick it had, which makes a tick apply once
 * whichever replica (or operator) runs it, and however often. Injectable:
 * core tests give a clock they move by hand.
 */
export interface TickClock {
  readonly tickMs: number;
  now(): Date;
  /** The tick `at` (default now) falls in. */
  tickAt(at?: Date): number;
}

export function createTickClock(tickMs: number, now: () => Date = () => new Date()): TickClock {
  return {
    tickMs,
    now,
    tickAt: (at = now()) => Math.floor(at.getTime() / tickMs),
  };
}
