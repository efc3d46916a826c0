import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Authorizer } from "../authz/index.js";
import type { MeshInterceptor } from "./mesh-call.js";

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
    if (call.caller === undefined) {
      logger.warn({ method: call.path, reason: call.callerError }, "unauthenticated internal call refused");
      throw new ConnectError(`caller identity required: ${call.callerError ?? "none presented"}`, Code.Unauthenticated);
    }
    const decision = authorizer.decide(service, call.caller.uri, call.path);
    if (!decision.allowed) {
      logger.warn({ caller: call.caller.uri, method: call.path, reason: decision.reason }, "permission denied");
      throw new ConnectError(`${call.caller.serviceAccount} may not call ${call.path}`, Code.PermissionDenied);
    }
    return next(call);
  };
}
