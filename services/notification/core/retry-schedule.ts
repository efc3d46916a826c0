/** The backoff of failed deliveries. */
export interface RetrySchedule {
  /** Delay before the next attempt after `attempts` failed ones, or undefined when the delivery is to be dead-lettered. */
  delayAfter(attempts: number): number | undefined;
}

/** Options of {@link createRetrySchedule}. */
export interface RetryScheduleOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half
 * and all of min(max, initial * 2^(n-1)), so receivers that came back are not
 * hit by every sender at the same instant, and no wait is ever near zero.
 */
export function createRetrySchedule(options: RetryScheduleOptions): RetrySchedule {
  const random = options.random ?? Math.random;
  return {
    delayAfter(attempts) {
      if (attempts >= options.maxAttempts) return undefined;
      const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempts - 1));
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    },
  };
}
