// @peculiar/x509 2.x resolves its ASN.1 providers with tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { SpiffeId } from "./spiffe-id.js";

// @peculiar/x509 signs with WebCrypto; Node's implementation is the provider.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

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
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly commonName?: string;
  /** Default: now minus 5 minutes (clock skew between workloads). */
  readonly notBefore?: Date;
  /** Default: 24 hours after now. */
  readonly notAfter?: Date;
  /** Marks the certificate as a CA (tests use this to prove such leaves are refused). */
  readonly isCa?: boolean;
}

/** Creates a self-signed ECDSA P-256 CA for local meshes (npm start, tests). Default validity 365 days. */
export async function createCertificateAuthority(options: { commonName?: string; validityDays?: number } = {}): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
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
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/** Issues a certificate signed by `ca`; general enough to make malformed SVIDs for tests. */
export async function issueCertificate(ca: CertificateAuthority, options: CertificateOptions): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decode(ca.keyPem)[0]!, algorithm, false, ["sign"]);
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
  const now = Date.now();
  const names: x509.JsonGeneralName[] = [
    ...(options.uris ?? []).map((value) => ({ type: "url" as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.isCa === true, undefined, true),
    new x509.KeyUsagesExtension(
      options.isCa === true ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  // SPIFFE: an SVID's SAN extension is critical when the subject is empty.
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, options.commonName === undefined));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.commonName === undefined ? "" : `CN=${options.commonName}`,
    issuer: caCert.subject,
    notBefore: options.notBefore ?? new Date(now - 5 * 60_000),
    notAfter: options.notAfter ?? new Date(now + 24 * 3_600_000),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/**
 * Issues an X.509-SVID: exactly one URI SAN (the SPIFFE ID), plus DNS
 * "localhost" and IP 127.0.0.1 so that clients dialling loopback can also
 * verify the server by address. Default validity 24 hours.
 */
export async function issueSvid(ca: CertificateAuthority, id: SpiffeId, options: { validityHours?: number } = {}): Promise<IssuedCertificate> {
  return issueCertificate(ca, {
    uris: [id.uri],
    dnsNames: ["localhost", id.serviceAccount],
    ipAddresses: ["127.0.0.1"],
    notAfter: new Date(Date.now() + (options.validityHours ?? 24) * 3_600_000),
  });
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

function serial(): string {
  // Positive 128-bit serial: clear the top bit so DER does not read it as negative.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
