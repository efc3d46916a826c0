import { randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { appealAudienceOf, type Principal } from "./principal.js";

/** An Ed25519 signing key with its key id and the public JWK verifiers are given. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey | KeyObject;
  /** Carries `kid`, `alg: "EdDSA"` and `use: "sig"`, ready to publish in a JWKS. */
  readonly publicJwk: JWK;
}

/**
 * The only algorithm end-user tokens are signed and verified with. A single
 * asymmetric algorithm leaves no room for algorithm confusion, and services
 * that verify never hold a key that could sign.
 */
export const tokenAlgorithm = "EdDSA";

/** Generates an Ed25519 key for signing end-user tokens; `kid` defaults to a random UUID. */
export async function generateSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(tokenAlgorithm, { crv: "Ed25519", extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: tokenAlgorithm, use: "sig" } };
}

/**
 * What a token says about its user; the signer adds the token's own id, times,
 * issuer and audience. An appeal token (scope "appeal") is signed for the
 * appeal audience instead, and carries no roles.
 */
export type PrincipalInput = Pick<Principal, "subject" | "kind" | "roles" | "sessionId"> & { readonly scope?: Principal["scope"] };

/** Signs short-lived end-user tokens. */
export interface TokenSigner {
  /** A compact JWS: header `alg`, `kid`, `typ`; claims iss, aud, sub, exp, iat, nbf, jti, kind, roles, sid (aud per scope). */
  sign(principal: PrincipalInput): Promise<string>;
}

/** Options of {@link createTokenSigner}. */
export interface TokenSignerOptions {
  /** The `iss` claim, e.g. "identity.chaos.world". */
  readonly issuer: string;
  /** The `aud` claim, e.g. "chaos.world". */
  readonly audience: string;
  /**
   * The first key signs. The others are not used here; keeping them in the
   * list documents that they are still published, so tokens they signed
   * stay verifiable until they expire.
   */
  readonly keys: readonly SigningKey[];
  /** Token lifetime in seconds. Default 900 (15 minutes): a stolen token is useful only briefly. */
  readonly ttlSeconds?: number;
}

/** Creates a signer of EdDSA JWTs with the first of `keys`. Throws on invalid options. */
export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const key = options.keys[0];
  if (key === undefined) throw new Error("token signer: keys must not be empty");
  const ttl = options.ttlSeconds ?? 900;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new Error(`token signer: ttlSeconds must be a positive integer, got ${ttl}`);
  return {
    async sign(principal) {
      checkInput(principal);
      // One clock reading for iat, nbf and exp, so that exp - iat is exactly the lifetime verifiers check.
      const now = Math.floor(Date.now() / 1000);
      const appeal = principal.scope === "appeal";
      return new SignJWT({ kind: principal.kind, roles: appeal ? [] : [...principal.roles], sid: principal.sessionId })
        .setProtectedHeader({ alg: tokenAlgorithm, kid: key.kid, typ: "JWT" })
        .setIssuer(options.issuer)
        .setAudience(appeal ? appealAudienceOf(options.audience) : options.audience)
        .setSubject(principal.subject)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + ttl)
        .setJti(randomUUID())
        .sign(key.privateKey);
    },
  };
}

// The signer refuses what every verifier would refuse, so the mistake surfaces where it is made.
function checkInput(principal: PrincipalInput): void {
  if (typeof principal.subject !== "string" || principal.subject === "") throw new Error("token signer: subject must be a non-empty string");
  if (typeof principal.sessionId !== "string" || principal.sessionId === "") throw new Error("token signer: sessionId must be a non-empty string");
  if (principal.kind !== "player" && principal.kind !== "admin") throw new Error("token signer: kind must be player or admin");
  if (!Array.isArray(principal.roles) || !principal.roles.every((role) => typeof role === "string")) throw new Error("token signer: roles must be strings");
  if (principal.scope !== undefined && principal.scope !== "session" && principal.scope !== "appeal") throw new Error("token signer: scope must be session or appeal");
}
