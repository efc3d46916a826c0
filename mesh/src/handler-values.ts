import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { SpiffeId } from "./identity/index.js";
import type { Principal } from "./principal/index.js";

/** Context values the mesh sets for handlers (Connect's HandlerContext.values). */
export const callerKey = createContextKey<SpiffeId | undefined>(undefined, { description: "calling workload" });
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "end user" });
export const traceIdKey = createContextKey<string | undefined>(undefined, { description: "W3C trace id" });

/** The calling workload's SPIFFE ID (internal face). */
export function callerOf(context: HandlerContext): SpiffeId | undefined {
  return context.values.get(callerKey);
}

/** The verified end user, if the call carried a token. */
export function principalOf(context: HandlerContext): Principal | undefined {
  return context.values.get(principalKey);
}

/** The call's trace id. */
export function traceIdOf(context: HandlerContext): string | undefined {
  return context.values.get(traceIdKey);
}
