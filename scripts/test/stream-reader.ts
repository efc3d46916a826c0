import { expect } from "vitest";

/** A server stream read in the background by a test: what it delivered so far, and ways to wait for more. */
export interface StreamReader<T> {
  /** Every item so far but the stream's LIVE marker. */
  readonly items: T[];
  /** Resolves once the stream said it is live (its replay or snapshot is over). */
  readonly live: Promise<void>;
  /** Resolves when the stream ends by itself: with the error that ended it, if any. */
  readonly ended: Promise<unknown>;
  /** Waits until `count` items arrived, or one that `accept` takes; returns the items so far. */
  until(expected: number | ((item: T) => boolean), timeoutMs?: number): Promise<T[]>;
  /** Cancels the stream; rejects with the error that ended it before, if any. */
  close(): Promise<void>;
}

/**
 * Reads `stream` until closed; `controller` cancels it. `isLive` tells the
 * marker a stream sends between what it replays and what happens next (chat's
 * and world's STREAM_ITEM_KIND_LIVE). A stream that fails (its server went
 * away) reports it when closed, not as an unhandled rejection meanwhile.
 */
export function readStream<T>(stream: AsyncIterable<T>, controller: AbortController, isLive: (item: T) => boolean): StreamReader<T> {
  const items: T[] = [];
  let markLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => (markLive = resolve));
  let failure: { error: unknown } | undefined;
  const done = (async () => {
    try {
      for await (const item of stream) {
        if (isLive(item)) markLive();
        else items.push(item);
      }
    } catch (error) {
      if (!controller.signal.aborted) failure = { error };
    }
  })();
  return {
    items,
    live,
    ended: done.then(() => failure?.error),
    async until(expected, timeoutMs = 20_000) {
      if (typeof expected === "number") await expect.poll(() => items.length, { timeout: timeoutMs, interval: 20 }).toBeGreaterThanOrEqual(expected);
      else await expect.poll(() => items.some(expected), { timeout: timeoutMs, interval: 20 }).toBe(true);
      return items;
    },
    async close() {
      controller.abort();
      await done;
      if (failure !== undefined) throw failure.error;
    },
  };
}
