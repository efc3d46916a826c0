// @peculiar/x509 2.x resolves its ASN.1 providers with tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { SpiffeId } from "./spiffe-id.js";

// @peculiar/x509 signs with WebCrypto; Node's global implementation is the provider.
x509.cryptoProvider.set(crypto);

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const caUsages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
// keyEncipherment is meaningless for ECDSA keys but harmless, and some TLS stacks expect it on server certificates.
const leafUsages = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;

/** A certificate authority: its certificate and PKCS#8 private key, PEM. */
export interface CertificateAuthority {
  readonly certPem: string;
  readonly keyPem: string;
}

/** An issued certificate and its PKCS#8 private key, PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What {@link issueCertificate} puts in a certificate. */
export interface CertificateOptions {
  /** URI SANs; an SVID has exactly one. Default none. */
  readonly uris?: readonly string[];
  /** DNS SANs. Default none. */
  readonly dnsNames?: readonly string[];
  /** IP address SANs. Default none. */
  readonly ipAddresses?: readonly string[];
  /** Subject CN. Default: an empty subject, as SPIFFE recommends (the SAN extension is then critical). */
  readonly commonName?: string;
  /** Default: now minus 5 minutes (clock skew between workloads). */
  readonly notBefore?: Date;
  /** Default: 24 hours after now. */
  readonly notAfter?: Date;
  /** Marks the certificate as a CA (tests use this to prove such leaves are refused). Default false. */
  readonly isCa?: boolean;
}

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** Subject CN. Default "Chaos World local CA". */
  readonly commonName?: string;
  /** Default 365. */
  readonly validityDays?: number;
}

/** Creates a self-signed ECDSA P-256 CA for local meshes (npm start, tests). */
export async function createCertificateAuthority(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${options.commonName ?? "Chaos World local CA"}, O=Chaos World`,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + (options.validityDays ?? 365) * 86_400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(caUsages, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/**
 * Issues a certificate signed by `ca`. Deliberately general — it will also make
 * certificates that are not valid SVIDs (two URI SANs, a CA leaf, expired) so
 * that tests can prove those are refused. Leaves get keyUsage
 * digitalSignature+keyEncipherment and extendedKeyUsage serverAuth+clientAuth.
 */
export async function issueCertificate(ca: CertificateAuthority, options: CertificateOptions): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decode(ca.keyPem)[0]!, algorithm, false, ["sign"]);
  const keys = await generateKeyPair();
  const now = Date.now();
  const names: x509.JsonGeneralName[] = [
    ...(options.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(options.isCa === true ? caUsages | x509.KeyUsageFlags.digitalSignature : leafUsages, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  // RFC 5280 §4.2.1.6: with an empty subject the SAN extension is the only name, so it must be critical.
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, options.commonName === undefined));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.commonName === undefined ? "" : `CN=${options.commonName}`,
    // The CA's own encoded name, not a re-encoding of its text, so chain building matches byte for byte.
    issuer: caCert.subjectName,
    notBefore: options.notBefore ?? new Date(now - 5 * 60_000),
    notAfter: options.notAfter ?? new Date(now + 24 * 3_600_000),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/** Options of {@link issueSvid}. */
export interface SvidOptions {
  /** Default 24. */
  readonly validityHours?: number;
}

/**
 * Issues an X.509-SVID: exactly one URI SAN (the SPIFFE ID), plus DNS SANs
 * "localhost" and the service account and IP SAN 127.0.0.1, so that clients
 * dialling loopback with ordinary hostname checks also accept the server.
 * Valid from 5 minutes ago, to tolerate clock skew between workloads.
 */
export async function issueSvid(ca: CertificateAuthority, id: SpiffeId, options: SvidOptions = {}): Promise<IssuedCertificate> {
  return issueCertificate(ca, {
    uris: [id.uri],
    dnsNames: ["localhost", id.serviceAccount],
    ipAddresses: ["127.0.0.1"],
    notAfter: new Date(Date.now() + (options.validityHours ?? 24) * 3_600_000),
  });
}

// The key type is inferred: DOM and @types/node declare different CryptoKey types, and the repo is checked with and without DOM.
function generateKeyPair() {
  return crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
}

async function exportKey(key: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"]): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

function serial(): string {
  // 126 random bits; the first byte is 0x40-0x7f so the DER INTEGER is positive and minimal.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString("hex");
}
