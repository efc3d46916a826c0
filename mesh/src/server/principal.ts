import { Code, ConnectError } from "@connectrpc/connect";
import { errorWithReason } from "../error-info.js";
import { TokenError, type TokenVerifier } from "../principal/index.js";
import { currentCallScope } from "../call-scope.js";
import { principalKey } from "../handler-values.js";
import type { MeshInterceptor } from "./mesh-call.js";

/** Header carrying the end user's token between services. */
export const principalHeader = "x-chaos-principal";

/**
 * The ErrorInfo a refused token carries (metadata "token_error" says why), so
 * clients branch on a reason of the service's own contract, e.g. the
 * gateway's ERROR_REASON_UNAUTHENTICATED.
 */
export interface TokenRefusalReason {
  readonly reason: string;
  readonly domain: string;
}

/**
 * Verifies the end user's token when the call carries one: `authorization:
 * Bearer` at the edge, `x-chaos-principal` between services. A bad token is
 * UNAUTHENTICATED (with the reason, never the token); no token leaves
 * `call.principal` empty and handlers decide whether they need one. An
 * appeal token (a suspended or banned account's) passes only on
 * `appealMethods` ("/package.Service/Method"); anywhere else it is
 * UNAUTHENTICATED with token_error "appeal-only".
 */
export function createPrincipalInterceptor(verifier: TokenVerifier, refusal?: TokenRefusalReason, appealMethods: ReadonlySet<string> = new Set()): MeshInterceptor {
  return (next) => async (call) => {
    let token: string | undefined;
    try {
      token = tokenOf(call.context.requestHeader, call.face);
      if (token !== undefined) {
        const principal = await verifier.verify(token);
        if (principal.scope === "appeal" && !appealMethods.has(call.path)) {
          throw new TokenError("appeal-only", "this token only lets a suspended or banned account see its standing and appeal");
        }
        call.principal = principal;
        call.context.values.set(principalKey, call.principal);
        const scope = currentCallScope();
        if (scope !== undefined) scope.principalToken = token;
      }
    } catch (error) {
      if (error instanceof TokenError) {
        const message = `invalid end-user token: ${error.reason}`;
        if (refusal === undefined) throw new ConnectError(message, Code.Unauthenticated);
        throw errorWithReason(Code.Unauthenticated, message, { ...refusal, metadata: { token_error: error.reason } });
      }
      throw error;
    }
    return next(call);
  };
}

function tokenOf(headers: Headers, face: "internal" | "edge"): string | undefined {
  if (face === "internal") return headers.get(principalHeader) ?? undefined;
  const authorization = headers.get("authorization");
  if (authorization === null) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (match?.[1] === undefined) throw new TokenError("malformed", "authorization header must be 'Bearer <token>'");
  return match[1];
}
