import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { SpiffeId } from "./identity/index.js";
import { isAdmin, type Principal } from "./principal/index.js";
import { operatorIdentity } from "./service/system.js";

/** Context values the mesh sets for handlers (Connect's HandlerContext.values). */
export const callerKey = createContextKey<SpiffeId | undefined>(undefined, { description: "calling workload" });
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "end user" });
export const traceIdKey = createContextKey<string | undefined>(undefined, { description: "W3C trace id" });

/** The calling workload's SPIFFE ID (internal face). */
export function callerOf(context: HandlerContext): SpiffeId | undefined {
  return context.values.get(callerKey);
}

/**
 * Whether the call acts as an admin: an admin end user (isAdmin), or the
 * operator workload calling with no end user (an operator's grpcurl). An end
 * user always decides: the operator forwarding a player's token acts as that player.
 */
export function actsAsAdmin(context: HandlerContext): boolean {
  const principal = principalOf(context);
  if (principal === undefined) return callerOf(context)?.serviceAccount === operatorIdentity;
  return isAdmin(principal);
}

/** The verified end user, if the call carried a token. */
export function principalOf(context: HandlerContext): Principal | undefined {
  return context.values.get(principalKey);
}

/** The call's trace id. */
export function traceIdOf(context: HandlerContext): string | undefined {
  return context.values.get(traceIdKey);
}

/**
 * The verified end user of a call that needs one; UNAUTHENTICATED when the
 * call carried no token (a bad token never gets this far).
 */
export function requirePrincipal(context: HandlerContext): Principal {
  const principal = context.values.get(principalKey);
  if (principal === undefined) throw new ConnectError("this call needs an end-user access token", Code.Unauthenticated);
  return principal;
}
