import type { StreamResponse } from "@connectrpc/connect";

/**
 * A stream response whose messages call `done` once when the stream ends:
 * with the error that ended it, or undefined when it completed. For
 * interceptors that close something per call (a span, a latency sample).
 */
export function withStreamEnd(response: StreamResponse, done: (failure: unknown) => void): StreamResponse {
  return { ...response, message: ending(response.message, done) } as StreamResponse;
}

async function* ending<T>(messages: AsyncIterable<T>, done: (failure: unknown) => void): AsyncIterable<T> {
  let failure: unknown;
  try {
    yield* messages;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    done(failure);
  }
}
