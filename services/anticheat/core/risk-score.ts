/** A player's score as stored: its value at `at`; it decays from there. */
export interface Score {
  readonly value: number;
  readonly at: Date;
}

/** The score at zero: a player anticheat has never seen. */
export const noScore = (at: Date): Score => ({ value: 0, at });

/** `score` decayed to `at` (exponentially, halving every `halfLifeMs`); never grows when `at` is earlier. */
export function decayed(score: Score, at: Date, halfLifeMs: number): number {
  const elapsed = Math.max(0, at.getTime() - score.at.getTime());
  return score.value * 2 ** (-elapsed / halfLifeMs);
}

/**
 * The score after a signal of `weight` observed at `observedAt`. A signal
 * older than the score (events from other partitions arrive out of order)
 * adds its own decayed weight, so the result does not depend on the order
 * the signals came in: Σ weight × 2^(−age/halfLife) either way.
 */
export function withSignal(score: Score, weight: number, observedAt: Date, halfLifeMs: number): Score {
  if (observedAt.getTime() >= score.at.getTime()) return { value: decayed(score, observedAt, halfLifeMs) + weight, at: observedAt };
  return { value: score.value + weight * 2 ** (-(score.at.getTime() - observedAt.getTime()) / halfLifeMs), at: score.at };
}
