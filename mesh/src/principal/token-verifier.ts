import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTVerifyGetKey } from "jose";
import { outsideCallScope } from "../call-scope.js";
import { ExpiringMap } from "../expiring-map.js";
import { appealAudienceOf, type Principal } from "./principal.js";
import { TokenError } from "./token-error.js";
import { tokenAlgorithm } from "./token-signer.js";

/** Verifies end-user tokens. */
export interface TokenVerifier {
  /** The token's principal; throws {@link TokenError} when the token is not acceptable. */
  verify(token: string): Promise<Principal>;
}

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions {
  /** The required `iss`. */
  readonly issuer: string;
  /** The required `aud` (a token may name several audiences; one must be this). */
  readonly audience: string;
  /**
   * The published public keys (JWKS): a fixed list, or a function called on
   * first use and again when a token names a kid the last answer did not
   * have — that is how a rotated-in key is picked up. Concurrent tokens share
   * one call, and unknown kids ask again at most once per
   * `unknownKeyRefetchSeconds`. The function runs outside any call scope: it
   * gets no caller's deadline, so it must bound its own time.
   */
  readonly keys: readonly JWK[] | (() => Promise<readonly JWK[]> | readonly JWK[]);
  /**
   * How long the answer of a `keys` function is trusted before the next
   * token makes it ask again, in seconds. Default 300: a retired (perhaps
   * compromised) key stops being accepted within this time, not never.
   */
  readonly keysMaxAgeSeconds?: number;
  /**
   * Least time between two calls of a `keys` function made because a token
   * named an unknown kid, in seconds. Anyone can make up kids, and without
   * this every such token cost a key fetch (a call to identity). Default 10:
   * a flood of made-up kids costs at most 6 fetches a minute per process,
   * while a key identity starts signing with is still picked up on its first
   * token unless such a fetch happened in the last 10 s (its tokens are then
   * refused as unknown-key for at most that long).
   */
  readonly unknownKeyRefetchSeconds?: number;
  /** Clock skew allowed on exp, nbf and iat, in seconds. Default 5. */
  readonly clockToleranceSeconds?: number;
  /** Tokens whose exp - iat exceeds this are refused even when signed, in seconds. Default 3600. */
  readonly maxTtlSeconds?: number;
  /**
   * Verified tokens remembered, so a player's next calls skip the signature
   * check (~180 µs of Ed25519 each, at every hop of every call). A remembered
   * token is still refused once it expires or its kid leaves the published
   * set. Default 10,000; 0 remembers none.
   */
  readonly cacheSize?: number;
  /**
   * Also accept appeal tokens (the `audience`'s appeal audience), as principals
   * of scope "appeal". Default false: only services that serve appeal methods,
   * and the gateway that forwards to them, accept them at all.
   */
  readonly acceptAppealTokens?: boolean;
}

interface KeySet {
  readonly kids: ReadonlySet<string>;
  readonly getKey: JWTVerifyGetKey;
}

// Every claim the signer writes; a token missing one was not made by it.
const requiredClaims = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "kind", "roles", "sid"];

/**
 * Creates a verifier that accepts only EdDSA tokens whose kid is published,
 * from the issuer for the audience, inside their validity window, no longer
 * lived than allowed, with well-typed claims. Anything else is a TokenError
 * whose reason says why and whose message never contains the token. A
 * failing `keys` function is not the token's fault: its error propagates.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const tolerance = options.clockToleranceSeconds ?? 5;
  const maxTtl = options.maxTtlSeconds ?? 3600;
  const keysMaxAgeMs = (options.keysMaxAgeSeconds ?? 300) * 1000;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new Error(`token verifier: clockToleranceSeconds must be >= 0, got ${tolerance}`);
  if (!Number.isFinite(maxTtl) || maxTtl <= 0) throw new Error(`token verifier: maxTtlSeconds must be > 0, got ${maxTtl}`);
  if (!(keysMaxAgeMs >= 0)) throw new Error(`token verifier: keysMaxAgeSeconds must be >= 0, got ${options.keysMaxAgeSeconds}`);
  const refetchIntervalMs = (options.unknownKeyRefetchSeconds ?? 10) * 1000;
  if (!(refetchIntervalMs >= 0)) throw new Error(`token verifier: unknownKeyRefetchSeconds must be >= 0, got ${options.unknownKeyRefetchSeconds}`);
  const cacheSize = options.cacheSize ?? 10_000;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new Error(`token verifier: cacheSize must be an integer >= 0, got ${options.cacheSize}`);
  const appealAudience = appealAudienceOf(options.audience);
  const audiences = options.acceptAppealTokens === true ? [options.audience, appealAudience] : [options.audience];
  const verified = cacheSize > 0 ? new ExpiringMap<string, Principal>(cacheSize) : undefined;
  const published = options.keys;
  // A fixed list is checked once, at creation, and never reloaded.
  const refreshable = typeof published === "function";
  const fetchKeys = typeof published === "function" ? published : () => published;
  let current = refreshable ? undefined : keySetOf(published as readonly JWK[]);
  let loadedAt = 0;
  let loading: Promise<KeySet> | undefined;
  let unknownKeyRefetchedAt = -Infinity;
  /** The keys asked again for a token with an unknown kid: a fetch under way, a new one when the interval allows, else the current set. */
  const refetchForUnknownKey = (keys: KeySet): Promise<KeySet> | KeySet => {
    if (loading !== undefined) return loading;
    if (Date.now() - unknownKeyRefetchedAt < refetchIntervalMs) return keys;
    unknownKeyRefetchedAt = Date.now();
    return load();
  };
  const load = (): Promise<KeySet> => {
    // Calling `fetchKeys` in a later tick keeps a synchronous throw from settling before `loading` is set.
    // Outside the call scope: every concurrent token waits on this fetch, so the deadline or cancellation
    // of the call that started it (an impatient client's 100 ms) must not fail it for the others.
    loading ??= Promise.resolve()
      .then(() => outsideCallScope(fetchKeys))
      .then((keys) => {
        current = keySetOf(keys);
        loadedAt = Date.now();
        return current;
      })
      .catch((error: unknown) => {
        throw new Error("cannot load the token verification keys", { cause: error });
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return {
    async verify(token) {
      let header;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw new TokenError("malformed", "token is not a compact JWS");
      }
      if (header.alg !== tokenAlgorithm) throw new TokenError("unsupported-alg", "token algorithm is not accepted");
      const kid = header.kid;
      if (typeof kid !== "string") throw new TokenError("unknown-key", "token names no key id");
      const cached = refreshable && Date.now() - loadedAt >= keysMaxAgeMs ? undefined : current;
      let keys = cached ?? (await load());
      if (!keys.kids.has(kid) && refreshable && cached !== undefined) keys = await refetchForUnknownKey(keys);
      if (!keys.kids.has(kid)) throw new TokenError("unknown-key", "token was signed with an unknown key");
      const remembered = verified?.get(token);
      if (remembered !== undefined) return remembered;

      let payload;
      try {
        ({ payload } = await jwtVerify(token, keys.getKey, {
          algorithms: [tokenAlgorithm],
          issuer: options.issuer,
          audience: audiences,
          clockTolerance: tolerance,
          requiredClaims,
        }));
      } catch (error) {
        throw tokenErrorOf(error);
      }
      const { sub, exp, iat, jti, kind, roles, sid, aud } = payload as Record<string, unknown>;
      if (!nonEmpty(sub) || !nonEmpty(jti) || !nonEmpty(sid) || typeof exp !== "number" || typeof iat !== "number") {
        throw new TokenError("invalid-claims", "token claims are missing or mistyped");
      }
      if (kind !== "player" && kind !== "admin") throw new TokenError("invalid-claims", "token kind must be player or admin");
      if (!Array.isArray(roles) || !roles.every((role) => typeof role === "string")) throw new TokenError("invalid-claims", "token roles must be strings");
      // With iat in the past, exp - iat bounds how far ahead exp can reach; a future iat would defeat that.
      if (iat > Date.now() / 1000 + tolerance) throw new TokenError("invalid-claims", "token was issued in the future");
      if (exp - iat > maxTtl) throw new TokenError("lifetime-too-long", `token lives longer than ${maxTtl} s`);
      // A session token names the API's audience; one that names only the appeal audience is an appeal token, and has no roles.
      const scope = (Array.isArray(aud) ? aud : [aud]).includes(options.audience) ? "session" : "appeal";
      if (scope === "appeal" && kind !== "player") throw new TokenError("invalid-claims", "an appeal token is for a player");
      const grantedRoles = scope === "appeal" ? [] : (roles as string[]);
      const principal: Principal = Object.freeze({ subject: sub, kind, roles: Object.freeze([...grantedRoles]), sessionId: sid, expiresAt: new Date(exp * 1000), tokenId: jti, scope });
      // Valid, like the token itself, until exp plus the clock tolerance.
      verified?.set(token, principal, (exp + tolerance) * 1000);
      return principal;
    },
  };
}

function keySetOf(keys: readonly JWK[]): KeySet {
  return { kids: new Set(keys.flatMap((key) => (typeof key.kid === "string" ? [key.kid] : []))), getKey: createLocalJWKSet({ keys: [...keys] }) };
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function tokenErrorOf(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new TokenError("expired", "token has expired");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError("bad-signature", "token signature does not verify");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "check_failed" && error.claim === "iss") return new TokenError("wrong-issuer", "token is from another issuer");
    if (error.reason === "check_failed" && error.claim === "aud") return new TokenError("wrong-audience", "token is for another audience");
    if (error.reason === "check_failed" && error.claim === "nbf") return new TokenError("not-yet-valid", "token is not valid yet");
    return new TokenError("invalid-claims", `token claim ${error.claim} is ${error.reason === "missing" ? "missing" : "invalid"}`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenError("unsupported-alg", "token algorithm is not accepted");
  // The kid is published, but not as an Ed25519 verification key.
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenError("unknown-key", "token was signed with an unknown key");
  if (error instanceof errors.JOSEError) return new TokenError("malformed", "token cannot be parsed");
  // Not the token's fault (a bug, a broken key): let it surface as such.
  return error instanceof Error ? error : new Error(String(error));
}
