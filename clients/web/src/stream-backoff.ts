/** First retry after a clean end of a stream (the gateway ends streams when the access token expires). */
const reopenAfterEndMs = 250;
const backoffBaseMs = 1_000;
const backoffMaxMs = 30_000;
/** A stream that stayed open this long was healthy: the next failure starts the backoff afresh. */
const healthyStreamMs = 10_000;

/**
 * How long to wait before re-opening a server stream that ended after
 * `openForMs`: soon after a clean end, with exponential backoff and jitter
 * after failures (so a restarting server is not stampeded by every console).
 * `failures` is the count so far; the answer carries the count to keep.
 */
export function reopenDelay(failed: boolean, failures: number, openForMs: number): { readonly ms: number; readonly failures: number } {
  const before = openForMs > healthyStreamMs ? 0 : failures;
  if (!failed) return { ms: reopenAfterEndMs, failures: before };
  return { ms: Math.min(backoffMaxMs, backoffBaseMs * 2 ** before) * (0.5 + Math.random() / 2), failures: before + 1 };
}
