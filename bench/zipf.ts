/** Draws an account index in [0, n): which account a transfer touches. */
export type AccountSampler = () => number;

/**
 * Zipf(α) over n accounts: index k (0-based) is drawn with probability
 * proportional to 1 / (k + 1)^α, so index 0 is the hottest. With α = 1.5 the
 * hottest account takes ~40% of the draws whatever n is (1 / ζ(1.5) ≈ 0.38
 * as n grows), which is what makes the workload contended.
 *
 * Drawn by inverting the cumulative distribution: the weights' running sums
 * are computed once; a draw takes a uniform u in [0, total) and binary-searches
 * the first index whose running sum exceeds u (O(log n) per draw).
 */
export function createZipfSampler(n: number, alpha: number, random: () => number = Math.random): AccountSampler {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k += 1) cumulative[k] = total += 1 / (k + 1) ** alpha;
  return () => {
    const u = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! > u) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}

/** Every account equally likely (Zipf with α = 0): the uncontended variant. */
export function createUniformSampler(n: number, random: () => number = Math.random): AccountSampler {
  return () => Math.floor(random() * n);
}

/** A sender and a different receiver, both drawn from `sample` (the receiver is drawn again until it differs). */
export function drawPair(sample: AccountSampler): readonly [from: number, to: number] {
  const from = sample();
  let to = sample();
  while (to === from) to = sample();
  return [from, to];
}
