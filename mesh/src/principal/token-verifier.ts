import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWK } from "jose";
import type { Principal } from "./principal.js";
import { TokenError } from "./token-error.js";
import { tokenAlgorithm } from "./token-signer.js";

/** Verifies end-user tokens. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /**
   * The published public keys (JWKS): a fixed list, or a function that is
   * called again when a token names an unknown kid (rotation).
   */
  readonly keys: readonly JWK[] | (() => Promise<readonly JWK[]> | readonly JWK[]);
  /** Clock skew allowed on exp and nbf. Default 5 s. */
  readonly clockToleranceSeconds?: number;
  /** Tokens living longer than this are refused even if signed. Default 3600 s. */
  readonly maxTtlSeconds?: number;
}

/**
 * Creates a verifier that accepts only EdDSA tokens whose kid is published,
 * from the right issuer for the right audience, inside their lifetime, with
 * well-typed claims. Everything else is a TokenError with a reason.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keySet: { kids: Set<string>; jwks: ReturnType<typeof createLocalJWKSet> } | undefined;
  const load = async () => {
    const keys = [...(typeof options.keys === "function" ? await options.keys() : options.keys)];
    keySet = { kids: new Set(keys.map((k) => k.kid ?? "")), jwks: createLocalJWKSet({ keys }) };
    return keySet;
  };
  const maxTtl = options.maxTtlSeconds ?? 3600;
  return {
    async verify(token) {
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw new TokenError("malformed", "token is not a JWS");
      }
      if (header.alg !== tokenAlgorithm) throw new TokenError("unsupported-alg", `algorithm ${String(header.alg)} is not accepted`);
      if (typeof header.kid !== "string") throw new TokenError("unknown-key", "token names no key id");
      let keys = keySet ?? (await load());
      if (!keys.kids.has(header.kid)) keys = await load();
      if (!keys.kids.has(header.kid)) throw new TokenError("unknown-key", "token was signed with an unknown key");
      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys.jwks, {
          algorithms: [tokenAlgorithm],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ["sub", "exp", "iat", "jti"],
        }));
      } catch (error) {
        throw mapJoseError(error);
      }
      const { sub, exp, iat, jti, kind, roles, sid } = payload as Record<string, unknown>;
      if (typeof sub !== "string" || typeof jti !== "string" || typeof sid !== "string" || typeof exp !== "number" || typeof iat !== "number") {
        throw new TokenError("invalid-claims", "token claims are missing or mistyped");
      }
      if (kind !== "player" && kind !== "admin") throw new TokenError("invalid-claims", "token kind must be player or admin");
      if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string")) throw new TokenError("invalid-claims", "token roles must be strings");
      if (exp - iat > maxTtl) throw new TokenError("lifetime-too-long", `token lives longer than ${maxTtl} s`);
      return { subject: sub, kind, roles: roles as string[], sessionId: sid, expiresAt: new Date(exp * 1000), tokenId: jti };
    },
  };
}

function mapJoseError(error: unknown): TokenError {
  if (error instanceof errors.JWTExpired) return new TokenError("expired", "token has expired");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError("bad-signature", "token signature does not verify");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return new TokenError("wrong-issuer", "token is from another issuer");
    if (error.claim === "aud") return new TokenError("wrong-audience", "token is for another audience");
    if (error.claim === "nbf") return new TokenError("not-yet-valid", "token is not valid yet");
    return new TokenError("invalid-claims", `token claim ${error.claim} is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenError("unsupported-alg", "token algorithm is not accepted");
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenError("unknown-key", "token was signed with an unknown key");
  return new TokenError("malformed", "token cannot be verified");
}
