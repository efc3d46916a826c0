import { randomUUID } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import type { Principal } from "./principal.js";

/** An Ed25519 signing key with its key id and public JWK (published for verifiers). */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** The only algorithm tokens are signed and verified with. */
export const tokenAlgorithm = "EdDSA";

/** Generates an Ed25519 key for signing end-user tokens. */
export async function generateSigningKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(tokenAlgorithm, { crv: "Ed25519", extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: tokenAlgorithm, use: "sig" } };
}

/** Signs short-lived access tokens; the first key is the active one. */
export interface TokenSigner {
  sign(principal: Pick<Principal, "subject" | "kind" | "roles" | "sessionId">): Promise<string>;
}

/** Options of {@link createTokenSigner}. */
export interface TokenSignerOptions {
  readonly issuer: string;
  readonly audience: string;
  /** The first key signs; keep the previous one published during rotation. */
  readonly keys: readonly SigningKey[];
  /** Token lifetime. Default 900 s (15 minutes). */
  readonly ttlSeconds?: number;
}

/** Creates a signer of EdDSA JWTs carrying kid, iss, aud, sub, exp, iat, nbf, jti, kind, roles, sid. */
export function createTokenSigner(options: TokenSignerOptions): TokenSigner {
  const key = options.keys[0];
  if (key === undefined) throw new Error("a token signer needs at least one key");
  const ttl = options.ttlSeconds ?? 900;
  return {
    sign: (principal) =>
      new SignJWT({ kind: principal.kind, roles: [...principal.roles], sid: principal.sessionId })
        .setProtectedHeader({ alg: tokenAlgorithm, kid: key.kid, typ: "JWT" })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(principal.subject)
        .setIssuedAt()
        .setNotBefore("0s")
        .setExpirationTime(`${ttl}s`)
        .setJti(randomUUID())
        .sign(key.privateKey),
  };
}
