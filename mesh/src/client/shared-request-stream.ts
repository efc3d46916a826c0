/**
 * The request messages of a client- or bidi-streaming call, shared by its
 * attempts so a retry can carry on where the failed attempt stood. Each
 * attempt reads through its own view; the transport returns the view when
 * its attempt ends. A message an ended attempt was still waiting for goes to
 * the next attempt instead, so nothing is lost — and nothing is ever sent
 * twice, because once one message was handed to an attempt (`sent`), the call
 * must not be retried at all.
 */
export class SharedRequestStream<T> {
  /** True once a message was handed to an attempt: from then on a retry would lose it. */
  sent = false;
  private source: AsyncIterator<T> | undefined;
  /** A read of the source that no attempt has taken yet. */
  private pending: Promise<IteratorResult<T>> | undefined;
  private settled = false;

  constructor(private readonly messages: AsyncIterable<T>) {}

  /** The messages as one attempt reads them. */
  forAttempt(): AsyncIterable<T> {
    let ended = false;
    const view: AsyncIterator<T> = {
      next: async () => {
        if (ended) return { done: true, value: undefined };
        this.source ??= this.messages[Symbol.asyncIterator]();
        const read = (this.pending ??= this.source.next());
        const result = await read;
        // The attempt ended while waiting: the read stays for the next attempt.
        if (ended) return { done: true, value: undefined };
        this.pending = undefined;
        if (result.done !== true) this.sent = true;
        return result;
      },
      return: async () => {
        ended = true;
        if (this.settled) this.release();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => view };
  }

  /**
   * No more attempts will be made: the last one's end (or now, when it has
   * ended already) releases the caller's stream, so a generator runs its
   * finally blocks.
   */
  settle(attemptEnded: boolean): void {
    this.settled = true;
    if (attemptEnded) this.release();
  }

  private release(): void {
    const source = this.source;
    this.source = undefined;
    source?.return?.()?.catch(() => undefined);
  }
}
