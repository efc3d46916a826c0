import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Authorizer } from "../authz/index.js";
import type { SpiffeId } from "../identity/index.js";
import type { MeshCall, MeshInterceptor } from "./mesh-call.js";

/**
 * Zero trust on the internal face: a call without an established workload
 * identity is UNAUTHENTICATED; an identified caller the policy does not allow
 * for this method is PERMISSION_DENIED, logged with caller and method. The
 * edge face has no workload peers (the gateway's clients are end users), so
 * the check applies to internal calls only.
 */
export function createAuthorizationInterceptor(service: string, authorizer: Authorizer, logger: Logger): MeshInterceptor {
  return (next) => async (call) => {
    if (call.face !== "internal") return next(call);
    const caller = requireCaller(call, logger);
    const decision = authorizer.decide(service, caller.uri, call.path);
    if (!decision.allowed) {
      logger.warn({ caller: caller.uri, method: call.path, reason: decision.reason }, "permission denied");
      throw new ConnectError(`${caller.serviceAccount} may not call ${call.path}`, Code.PermissionDenied);
    }
    return next(call);
  };
}

/**
 * The identity half of authorization alone, for the mesh's own services on
 * the internal face (health, reflection): any workload with a valid SVID of
 * the trust domain (one URI SAN, not a CA, chaining to the bundle) may call
 * them — probes and operators need no policy rule — and anything else is
 * UNAUTHENTICATED, as it is for every other method.
 */
export function createWorkloadIdentityInterceptor(logger: Logger): MeshInterceptor {
  return (next) => async (call) => {
    if (call.face === "internal") requireCaller(call, logger);
    return next(call);
  };
}

function requireCaller(call: MeshCall, logger: Logger): SpiffeId {
  if (call.caller !== undefined) return call.caller;
  logger.warn({ method: call.path, reason: call.callerError }, "unauthenticated internal call refused");
  throw new ConnectError(`caller identity required: ${call.callerError ?? "none presented"}`, Code.Unauthenticated);
}
