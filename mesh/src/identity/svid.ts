import { X509Certificate } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { readKeyUsage } from "./key-usage.js";
import { SvidError, singleSpiffeId } from "./svid-error.js";
import type { SpiffeId } from "./spiffe-id.js";

/** A certificate as the mesh meets it: a TLS peer certificate (`.raw` is DER), PEM text, DER bytes or a parsed node:crypto certificate. */
export type CertificateInput = PeerCertificate | X509Certificate | string | Buffer;

/**
 * Checks that a peer certificate is a valid X.509-SVID of `trustDomain` and
 * returns its SPIFFE ID: exactly one URI SAN holding a well-formed SPIFFE ID
 * in that trust domain, not a CA, keyUsage (when present) allowing
 * digitalSignature and not certificate signing, and `now` inside its validity
 * period. Throws {@link SvidError} otherwise.
 *
 * This does not verify the chain: the TLS handshake has already done that
 * against the trust bundle (`ca` + `rejectUnauthorized`), so only call it on
 * a certificate the handshake accepted.
 */
export function verifySvid(certificate: CertificateInput, trustDomain: string, now: Date = new Date()): SpiffeId {
  const cert = toX509(certificate);
  const id = singleSpiffeId(uriSans(cert.subjectAltName), trustDomain, {
    none: "certificate has no URI SAN, so it names no workload",
    many: (count) => `certificate has ${count} URI SANs; an X.509-SVID has exactly one`,
  });
  if (cert.ca) throw new SvidError("is-ca", `certificate for ${id.uri} is a CA (basicConstraints cA=true); a workload identity must be a leaf`);
  let usage;
  try {
    usage = readKeyUsage(cert.raw);
  } catch (error) {
    throw new SvidError("malformed-certificate", `cannot read keyUsage: ${(error as Error).message}`);
  }
  if (usage !== undefined && !usage.digitalSignature) throw new SvidError("bad-key-usage", `certificate for ${id.uri} does not allow digitalSignature`);
  if (usage !== undefined && (usage.keyCertSign || usage.cRLSign)) throw new SvidError("bad-key-usage", `certificate for ${id.uri} may sign certificates; a workload identity must not`);
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (now < notBefore) throw new SvidError("not-yet-valid", `certificate for ${id.uri} is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) throw new SvidError("expired", `certificate for ${id.uri} expired at ${notAfter.toISOString()}`);
  return id;
}

function toX509(certificate: CertificateInput): X509Certificate {
  if (certificate instanceof X509Certificate) return certificate;
  const source = typeof certificate === "string" || Buffer.isBuffer(certificate) ? certificate : certificate.raw;
  // A TLS socket whose peer sent no certificate reports an empty object.
  if (source === undefined || source.length === 0) throw new SvidError("no-certificate", "the peer presented no certificate");
  try {
    return new X509Certificate(source);
  } catch (error) {
    throw new SvidError("malformed-certificate", `cannot parse certificate: ${(error as Error).message}`);
  }
}

/**
 * The URI entries of Node's `subjectAltName` text (`URI:a, DNS:b, IP Address:c`).
 * Since Node 17.3.1 a value containing a comma, quote or control character is
 * written as a JSON string, so a crafted URI cannot smuggle in a second entry;
 * anything that does not follow this grammar is refused rather than guessed at.
 */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === "") return [];
  const uris: string[] = [];
  let at = 0;
  while (at < subjectAltName.length) {
    const colon = subjectAltName.indexOf(":", at);
    if (colon < 0) throw new SvidError("malformed-certificate", `cannot parse subjectAltName "${subjectAltName}"`);
    const kind = subjectAltName.slice(at, colon);
    let value: string;
    if (subjectAltName[colon + 1] === '"') {
      const close = closingQuote(subjectAltName, colon + 1);
      value = JSON.parse(subjectAltName.slice(colon + 1, close + 1)) as string;
      at = close + 1;
    } else {
      const comma = subjectAltName.indexOf(", ", colon + 1);
      at = comma < 0 ? subjectAltName.length : comma;
      value = subjectAltName.slice(colon + 1, at);
    }
    if (at < subjectAltName.length) {
      if (!subjectAltName.startsWith(", ", at)) throw new SvidError("malformed-certificate", `cannot parse subjectAltName "${subjectAltName}"`);
      at += 2;
    }
    if (kind === "URI") uris.push(value);
  }
  return uris;
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  throw new SvidError("malformed-certificate", `unterminated quoted value in subjectAltName "${text}"`);
}
