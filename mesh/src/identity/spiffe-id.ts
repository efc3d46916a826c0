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

// SPIFFE allows only these characters, lowercase, so that two spellings can never name one workload.
const segment = /^[a-z0-9._-]+$/;
const trustDomainPattern = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
// Limits from the SPIFFE ID specification; longer IDs would not interoperate with other SPIFFE tooling.
const maxUriLength = 2048;
const maxTrustDomainLength = 255;

/** The SPIFFE ID of a service (its service account), in the Istio layout. */
export function spiffeIdFor(service: string, options: { trustDomain?: string; namespace?: string } = {}): SpiffeId {
  const trustDomain = options.trustDomain ?? defaultTrustDomain;
  const namespace = options.namespace ?? defaultNamespace;
  // Checked before composing, so that "a/b" cannot turn into a different but well-formed ID.
  checkSegment(namespace, "namespace");
  checkSegment(service, "service account");
  return parseSpiffeId(`spiffe://${trustDomain}/ns/${namespace}/sa/${service}`);
}

function checkSegment(value: string, what: string): void {
  if (!segment.test(value) || value === "." || value === "..") {
    throw new Error(`invalid SPIFFE ${what} "${value}" (lowercase letters, digits, ".", "-", "_")`);
  }
}

/**
 * Parses a SPIFFE ID of exactly the /ns/<ns>/sa/<sa> shape. Anything else —
 * another scheme, a port, user info, a query or fragment, uppercase, extra
 * path segments — throws, because an identity that is almost right is wrong.
 */
export function parseSpiffeId(uri: string): SpiffeId {
  if (uri.length > maxUriLength) throw new Error(`SPIFFE ID is longer than ${maxUriLength} characters`);
  const match = /^spiffe:\/\/([^/?#]+)\/ns\/([^/?#]+)\/sa\/([^/?#]+)$/.exec(uri);
  if (match === null) throw new Error(`not a SPIFFE ID of the form spiffe://<domain>/ns/<ns>/sa/<sa>: "${uri}"`);
  const [, trustDomain, namespace, serviceAccount] = match as unknown as [string, string, string, string];
  if (trustDomain.length > maxTrustDomainLength || !trustDomainPattern.test(trustDomain)) throw new Error(`invalid SPIFFE trust domain "${trustDomain}" (lowercase letters, digits, ".", "-", "_"; no port or user info)`);
  checkSegment(namespace, "namespace");
  checkSegment(serviceAccount, "service account");
  return { trustDomain, namespace, serviceAccount, uri };
}
