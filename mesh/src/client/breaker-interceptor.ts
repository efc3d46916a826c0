import type { Interceptor } from "@connectrpc/connect";
import type { BreakerRegistry } from "./breaker.js";
import { methodPath } from "./method-path.js";

/**
 * Passes every attempt through the circuit breaker of (target, method): while
 * it is open, attempts fail fast with a BreakerOpenError (UNAVAILABLE) without
 * reaching the upstream. A stream counts as a success once its response has
 * begun; how it ends later does not count.
 */
export function createBreakerInterceptor(breakers: BreakerRegistry, target: string): Interceptor {
  return (next) => (request) => breakers.fire(target, methodPath(request.method), () => next(request));
}
