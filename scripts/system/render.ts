import { policyOf, registryOf } from "@chaos/mesh";
import { serviceManifests } from "../infra/services.js";

/** The trust domain and namespace of the deployment: SPIFFE IDs, policies and Kubernetes names use them. */
export const meshIdentity = { trustDomain: "chaos.world", namespace: "chaos" } as const;

/**
 * The committed files derived from the manifests (path relative to the repo →
 * content): the local registry and the authorization policy the runtime
 * reads. `npm run generate` writes them; a test fails when one is stale.
 */
export async function renderSystemFiles(): Promise<Record<string, string>> {
  const manifests = await serviceManifests();
  return {
    "services/registry.json": `${JSON.stringify(registryOf(manifests), null, 2)}\n`,
    "services/authorization.json": `${JSON.stringify(policyOf(manifests, meshIdentity), null, 2)}\n`,
  };
}
