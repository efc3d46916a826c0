import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { callerOf, clientAddressHeader, clientUserAgentHeader, requirePrincipal, type Principal } from "@chaos/mesh/server";
import type { ClientFacts } from "../core/session.js";
import type { Sessions } from "../core/sessions.js";

// The contract's limit on LoginRequest.user_agent, applied to the header fallback too.
const maxUserAgentLength = 256;

/**
 * Where a login comes from. The client's address and user agent are taken
 * only from the gateway, the one workload that sees clients and overwrites
 * whatever a client sent under those headers; from anyone else they could be
 * forged (and user-agent itself names the gRPC library of the last hop).
 */
export function clientFactsOf(context: HandlerContext, requestedUserAgent: string): ClientFacts {
  const fromGateway = callerOf(context)?.serviceAccount === "gateway";
  return {
    userAgent: requestedUserAgent !== "" ? requestedUserAgent : fromGateway ? (context.requestHeader.get(clientUserAgentHeader) ?? "").slice(0, maxUserAgentLength) : "",
    ipAddress: fromGateway ? (context.requestHeader.get(clientAddressHeader) ?? "") : "",
  };
}

/**
 * The end user of a call that needs one, whose session must still be open:
 * an access token outlives a revocation by up to its TTL, but not here, where
 * the revocation is known at once.
 */
export async function requireSessionPrincipal(context: HandlerContext, sessions: Sessions): Promise<Principal> {
  const principal = requirePrincipal(context);
  if (!(await sessions.isOpen(principal.sessionId, principal.subject))) throw new ConnectError("the session of this access token has ended; log in again", Code.Unauthenticated);
  return principal;
}
