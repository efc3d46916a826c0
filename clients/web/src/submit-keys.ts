/**
 * Idempotency keys for one form's submits. The server does a request once per
 * key, so a submit that got no answer (a lost connection, a timeout) is sent
 * again with the same key, and does not happen twice; a changed request is a
 * new one and gets a new key.
 */
export interface SubmitKeys {
  /** The key to send `request` with: the unanswered submit's key when it is the same request, else a new one. */
  keyFor(request: unknown): string;
  /** The submit got its answer (done, or refused): the next one is a new request. */
  answered(): void;
  /** True while a submit waits to be sent again. */
  readonly pending: boolean;
}

/** Creates the keys of one form. */
export function createSubmitKeys(): SubmitKeys {
  let unanswered: { readonly fingerprint: string; readonly key: string } | undefined;
  return {
    keyFor(request) {
      const fingerprint = JSON.stringify(request, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
      if (unanswered?.fingerprint !== fingerprint) unanswered = { fingerprint, key: crypto.randomUUID() };
      return unanswered.key;
    },
    answered() {
      unanswered = undefined;
    },
    get pending() {
      return unanswered !== undefined;
    },
  };
}
