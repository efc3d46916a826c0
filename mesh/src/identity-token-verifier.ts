import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import type { JWK } from "jose";
import type { MeshRuntime } from "./mesh-runtime.js";
import { createTokenVerifier, type TokenVerifier } from "./principal/index.js";

/** The `iss` of every end-user token: the identity service signs them all. */
export const tokenIssuer = "identity.chaos.world";
/** The `aud` of end-user tokens: this deployment's public API. */
export const tokenAudience = "chaos.world";

/**
 * A verifier of end-user tokens whose keys come from the identity service
 * (IdentityInternalService.ListPublicKeys, over the mesh). A token naming a
 * kid not seen yet asks identity again (at most once per 10 s, so made-up
 * kids cannot flood identity), so a rotated-in key is picked up on its first
 * token; the answer is trusted for `keysMaxAgeSeconds` (default
 * 300 s), so a retired key stops working within that time.
 */
export function createIdentityTokenVerifier(runtime: MeshRuntime, options: { keysMaxAgeSeconds?: number; acceptAppealTokens?: boolean } = {}): TokenVerifier {
  const identity = runtime.client(IdentityInternalService, "identity");
  return createTokenVerifier({
    issuer: tokenIssuer,
    audience: tokenAudience,
    keysMaxAgeSeconds: options.keysMaxAgeSeconds,
    acceptAppealTokens: options.acceptAppealTokens,
    keys: async () => {
      const { keys } = await identity.listPublicKeys({}, { timeoutMs: 5_000 });
      return keys.map((key): JWK => ({ kty: key.kty, crv: key.crv, x: key.x, kid: key.kid, alg: key.alg, use: "sig" }));
    },
  });
}
