import { createPrivateKey, generateKeyPairSync, randomUUID } from "node:crypto";
import { createTokenSigner, tokenAlgorithm, tokenAudience, tokenIssuer, type PrincipalInput, type TokenSigner } from "@chaos/mesh/domain";
import type { SigningKeyStore, StoredSigningKey } from "../store/signing-key-store.js";
import { signingKeyRotated } from "./identity-events.js";
import type { SecretBox } from "./secret-box.js";

/** Lifetime of an access token: a stolen one is useful only briefly, and revocation reaches services within it. */
export const accessTokenTtlSeconds = 900;
// A retired key stays published while tokens it signed may still be valid,
// plus a margin for clock skew between replicas and verifiers.
const retiredKeyRetentionMs = (accessTokenTtlSeconds + 300) * 1000;

/** A published token-verification key (a JWK). */
export interface PublishedKey {
  readonly kid: string;
  readonly alg: string;
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  /** Set once the key no longer signs. */
  readonly retiredAt: Date | undefined;
}

/** The keys that sign and verify access tokens. */
export interface KeyRing {
  /** Signs an access token with the newest key, first rotating in a new one when that key is too old. */
  sign(principal: PrincipalInput): Promise<string>;
  /** The keys verifiers must accept: the signing one and those retired recently enough to have unexpired tokens. */
  published(): Promise<PublishedKey[]>;
}

/** Options of {@link createKeyRing}. */
export interface KeyRingOptions {
  /** Age after which the signing key is replaced, in hours. */
  readonly rotationHours: number;
}

/**
 * Loads the signing key, creating one when there is none or the newest is
 * older than the rotation age (so a restart after a long pause rotates).
 */
export async function createKeyRing(store: SigningKeyStore, box: SecretBox, options: KeyRingOptions): Promise<KeyRing> {
  const maxAgeMs = options.rotationHours * 3600 * 1000;
  const signerFor = (key: StoredSigningKey): TokenSigner => {
    const privateKey = createPrivateKey({ key: box.open(key.sealedPrivateKey, keyContext(key.kid)), format: "der", type: "pkcs8" });
    const publicJwk = { ...key.publicJwk, kid: key.kid, alg: tokenAlgorithm, use: "sig" };
    return createTokenSigner({ issuer: tokenIssuer, audience: tokenAudience, keys: [{ kid: key.kid, privateKey, publicJwk }], ttlSeconds: accessTokenTtlSeconds });
  };
  const rotate = async () => {
    const key = await store.rotation(async (rotation) => {
      const now = new Date();
      const newest = await rotation.newest();
      // Another replica may have rotated while this one waited for the lock: then its key is the one to use.
      if (newest !== undefined && now.getTime() - newest.createdAt.getTime() < maxAgeMs) return newest;
      const fresh = newSigningKey(box, now);
      await rotation.insert(fresh);
      const retired = await rotation.retireAllBut(fresh.kid, now);
      await rotation.deleteRetiredBefore(new Date(now.getTime() - retiredKeyRetentionMs));
      await rotation.publish([signingKeyRotated(fresh.kid, retired, now.getTime())]);
      return fresh;
    });
    return { key, signer: signerFor(key) };
  };
  let current = await rotate();
  let rotating: Promise<typeof current> | undefined;
  return {
    async sign(principal) {
      if (Date.now() - current.key.createdAt.getTime() >= maxAgeMs) {
        // Concurrent calls share one rotation.
        rotating ??= rotate().finally(() => {
          rotating = undefined;
        });
        current = await rotating;
      }
      return current.signer.sign(principal);
    },
    async published() {
      const keys = await store.published(new Date(Date.now() - retiredKeyRetentionMs));
      return keys.map((key) => ({ kid: key.kid, alg: tokenAlgorithm, kty: key.publicJwk.kty, crv: key.publicJwk.crv, x: key.publicJwk.x, retiredAt: key.retiredAt }));
    },
  };
}

function newSigningKey(box: SecretBox, now: Date): StoredSigningKey {
  const kid = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" });
  return {
    kid,
    publicJwk: { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! },
    sealedPrivateKey: box.seal(privateKey.export({ format: "der", type: "pkcs8" }), keyContext(kid)),
    createdAt: now,
    retiredAt: undefined,
  };
}

function keyContext(kid: string): string {
  return `signing-key:${kid}`;
}
