import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { SvidError } from "./svid-error.js";
import { parseSpiffeId, type SpiffeId } from "./spiffe-id.js";

/**
 * Checks that a peer certificate is a valid X.509-SVID of `trustDomain` and
 * returns its SPIFFE ID: exactly one URI SAN, a well-formed SPIFFE ID in that
 * trust domain, not a CA, inside its validity period. The chain to the trust
 * bundle is verified by the TLS handshake before this runs.
 */
export function verifySvid(certificate: PeerCertificate | X509Certificate | string | Buffer, trustDomain: string, now = new Date()): SpiffeId {
  const cert = toX509(certificate);
  const uris = uriSans(cert.subjectAltName);
  if (uris.length === 0) throw new SvidError("no-uri-san", "certificate has no URI SAN");
  if (uris.length > 1) throw new SvidError("multiple-uri-sans", `certificate has ${uris.length} URI SANs; an SVID has exactly one`);
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uris[0]!);
  } catch (error) {
    throw new SvidError("malformed-id", (error as Error).message);
  }
  if (id.trustDomain !== trustDomain) throw new SvidError("wrong-trust-domain", `SPIFFE ID ${id.uri} is not in trust domain ${trustDomain}`);
  if (cert.ca) throw new SvidError("is-ca", "a CA certificate cannot be a workload identity");
  if (now < new Date(cert.validFrom)) throw new SvidError("not-yet-valid", "certificate is not yet valid");
  if (now > new Date(cert.validTo)) throw new SvidError("expired", "certificate has expired");
  return id;
}

function toX509(certificate: PeerCertificate | X509Certificate | string | Buffer): X509Certificate {
  try {
    if (certificate instanceof X509Certificate) return certificate;
    if (typeof certificate === "string" || Buffer.isBuffer(certificate)) return new X509Certificate(certificate);
    return new X509Certificate(certificate.raw);
  } catch (error) {
    throw new SvidError("malformed-certificate", `cannot parse certificate: ${(error as Error).message}`);
  }
}

/**
 * The URI entries of Node's subjectAltName string ("URI:a, DNS:b, ...").
 * Node quotes a value that contains a comma or quote (JSON string syntax),
 * so a comma inside a URI cannot smuggle in a second entry.
 */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  const uris: string[] = [];
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of subjectAltName.matchAll(entry)) {
    const [, kind, raw] = match as unknown as [string, string, string];
    if (kind !== "URI") continue;
    uris.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return uris;
}
