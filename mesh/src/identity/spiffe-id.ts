/** A workload identity: spiffe://<trust domain>/ns/<namespace>/sa/<service account>. */
export interface SpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The full URI, as it appears in the certificate's URI SAN. */
  readonly uri: string;
}

/** Default trust domain of Chaos World workloads. */
export const defaultTrustDomain = "chaos.world";
/** Default Kubernetes namespace in SPIFFE IDs. */
export const defaultNamespace = "chaos";

const segment = /^[a-z0-9._-]+$/;
const trustDomainPattern = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** The SPIFFE ID of a service (its service account), in the Istio layout. */
export function spiffeIdFor(service: string, options: { trustDomain?: string; namespace?: string } = {}): SpiffeId {
  const trustDomain = options.trustDomain ?? defaultTrustDomain;
  const namespace = options.namespace ?? defaultNamespace;
  return parseSpiffeId(`spiffe://${trustDomain}/ns/${namespace}/sa/${service}`);
}

/**
 * Parses a SPIFFE ID of exactly the /ns/<ns>/sa/<sa> shape. Anything else —
 * another scheme, a port, user info, a query or fragment, uppercase, extra
 * path segments — throws, because an identity that is almost right is wrong.
 */
export function parseSpiffeId(uri: string): SpiffeId {
  const match = /^spiffe:\/\/([^/?#]+)\/ns\/([^/?#]+)\/sa\/([^/?#]+)$/.exec(uri);
  if (match === null) throw new Error(`not a SPIFFE ID of the form spiffe://<domain>/ns/<ns>/sa/<sa>: "${uri}"`);
  const [, trustDomain, namespace, serviceAccount] = match as unknown as [string, string, string, string];
  if (!trustDomainPattern.test(trustDomain)) throw new Error(`invalid SPIFFE trust domain "${trustDomain}"`);
  for (const part of [namespace, serviceAccount]) {
    if (!segment.test(part) || part === "." || part === "..") throw new Error(`invalid SPIFFE path segment "${part}"`);
  }
  return { trustDomain, namespace, serviceAccount, uri };
}
