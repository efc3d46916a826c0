import { AsyncLocalStorage } from "node:async_hooks";
import type { Context } from "@opentelemetry/api";

/**
 * What an outgoing call inherits from the incoming call being served: the
 * time left (deadline propagation), the cancellation signal, the trace and the
 * end user's token. Kept in AsyncLocalStorage so handlers do not have to pass
 * it to every client call by hand.
 */
export interface CallScope {
  /** Absolute deadline in ms since the epoch. */
  readonly deadline: number | undefined;
  readonly signal: AbortSignal;
  /** OpenTelemetry context holding the server span: the parent of outgoing calls' spans. */
  readonly traceContext: Context | undefined;
  /**
   * The verified end-user token, forwarded as x-chaos-principal. Set by the
   * principal interceptor once it has verified the token (never before).
   */
  principalToken: string | undefined;
}

const storage = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with `scope` as the current call scope. */
export function runInCallScope<T>(scope: CallScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Runs `fn` outside any call scope: for work that one call starts but many
 * share (a key fetch concurrent calls wait on), which must not end with the
 * deadline or cancellation of the call that happened to start it.
 */
export function outsideCallScope<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** The scope of the call being served, if any. */
export function currentCallScope(): CallScope | undefined {
  return storage.getStore();
}
