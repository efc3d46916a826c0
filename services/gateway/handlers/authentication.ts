import type { MeshInterceptor } from "@chaos/mesh/server";
import type { SessionStatus } from "../clients/session-status.js";
import { fromOwnCall, unauthenticated } from "./gateway-errors.js";

/**
 * Who may call what at the gateway. The mesh's principal interceptor (which
 * runs first) has already verified any token the call carried and refused a
 * bad one; here a call without a token is refused unless its method is
 * open, and a token whose login session was revoked is refused although its
 * signature is still good. An appeal token has no login session to check: the
 * principal interceptor has already kept it to the appeal methods.
 */
export function createAuthenticationInterceptor(openMethods: ReadonlySet<string>, sessions: SessionStatus): MeshInterceptor {
  return (next) => async (call) => {
    const principal = call.principal;
    if (principal === undefined) {
      if (openMethods.has(call.path)) return next(call);
      throw unauthenticated("missing", "this call needs an access token: send 'authorization: Bearer <access token>'");
    }
    if (principal.scope === "appeal") return next(call);
    let active: boolean;
    try {
      active = await sessions.isActive(principal.sessionId);
    } catch (error) {
      throw fromOwnCall("identity", error);
    }
    if (!active) throw unauthenticated("revoked", "the session of this access token has ended; log in again");
    return next(call);
  };
}
