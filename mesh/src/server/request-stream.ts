import type { Message } from "@bufbuild/protobuf";

/**
 * The request messages of a client- or bidi-streaming call as its handler
 * reads them: the face's stream, failing with the call signal's reason
 * (DEADLINE_EXCEEDED, CANCELLED, or UNAVAILABLE on forced shutdown) as soon as
 * that signal fires — also while the handler is waiting for the next message,
 * so a client that goes quiet cannot hold a handler past its deadline.
 */
export function abortableRequests(messages: AsyncIterable<Message>, signal: AbortSignal): AsyncIterable<Message> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Message> {
      const iterator = messages[Symbol.asyncIterator]();
      // One promise per stream (not per message), settled when the call's signal fires.
      let aborted: Promise<never> | undefined;
      const whenAborted = () => {
        if (aborted !== undefined) return aborted;
        aborted = new Promise<never>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
        // It also fires when the call ends normally (its context is aborted then), when nobody waits.
        aborted.catch(() => undefined);
        return aborted;
      };
      return {
        next: () => (signal.aborted ? Promise.reject(signal.reason) : Promise.race([iterator.next(), whenAborted()])),
        return: async () => {
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
