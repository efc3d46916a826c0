import type { Interceptor } from "@connectrpc/connect";
import type { BreakerRegistry } from "./breaker.js";
import { callDeadlineKey } from "./call-deadline.js";
import { methodPath } from "./method-path.js";

/**
 * Passes every attempt through the circuit breaker of (target, method): while
 * it is open, attempts fail fast with a BreakerOpenError (UNAVAILABLE) without
 * reaching the upstream. A stream counts as a success once its response has
 * begun; how it ends later does not count. Each attempt's budget (the time
 * left until the call's deadline as it starts) goes with it, so running out
 * of a deadline too short to meet does not count against the upstream.
 */
export function createBreakerInterceptor(breakers: BreakerRegistry, target: string): Interceptor {
  return (next) => (request) => {
    const deadline = request.contextValues.get(callDeadlineKey);
    const budgetMs = deadline === undefined ? Infinity : deadline - Date.now();
    return breakers.fire(target, methodPath(request.method), () => next(request), budgetMs);
  };
}
