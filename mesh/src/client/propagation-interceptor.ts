import type { Interceptor } from "@connectrpc/connect";
import { currentCallScope } from "../call-scope.js";
import { principalHeader } from "../server/principal.js";
import { callDeadlineKey } from "./call-deadline.js";
import { neverAborted } from "./never-aborted.js";

/**
 * Passes on what an outgoing call inherits from the incoming call being
 * served (see CallScope): its remaining deadline (the earlier of the caller's
 * own and the incoming one's; `defaultTimeoutMs` when neither has one), its
 * cancellation, and the verified end-user token as `x-chaos-principal` unless
 * the caller set that header itself.
 */
export function createPropagationInterceptor(defaultTimeoutMs: number): Interceptor {
  return (next) => (request) => {
    const scope = currentCallScope();
    const asked = request.contextValues.get(callDeadlineKey);
    const inherited = scope?.deadline;
    const deadline = asked === undefined ? inherited : inherited === undefined ? asked : Math.min(asked, inherited);
    request.contextValues.set(callDeadlineKey, deadline ?? Date.now() + defaultTimeoutMs);
    if (scope === undefined) return next(request);
    if (scope.principalToken !== undefined && !request.header.has(principalHeader)) request.header.set(principalHeader, scope.principalToken);
    // The caller's own signal and the incoming call's: a new signal only when there are both.
    const signal = request.signal === neverAborted ? scope.signal : AbortSignal.any([request.signal, scope.signal]);
    return next({ ...request, signal });
  };
}
