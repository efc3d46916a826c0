import "reflect-metadata";
import { X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { createCertificateAuthority, issueCertificate, issueSvid, type CertificateAuthority } from "./local-ca.js";
import { spiffeIdFor } from "./spiffe-id.js";
import { SvidError, type SvidErrorReason } from "./svid-error.js";
import { uriSans, verifySvid } from "./svid.js";

const day = 86_400_000;
const combat = spiffeIdFor("combat");
let ca: CertificateAuthority;

beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: "svid test CA" });
});

function reasonOf(run: () => unknown): SvidErrorReason | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SvidError) return error.reason;
    throw error;
  }
  return undefined;
}

describe("verifySvid", () => {
  it("accepts an issued SVID given as PEM, node:crypto certificate or DER", async () => {
    const svid = await issueSvid(ca, combat);
    expect(verifySvid(svid.certPem, "chaos.world")).toEqual(combat);
    expect(verifySvid(new X509Certificate(svid.certPem), "chaos.world")).toEqual(combat);
    expect(verifySvid(new X509Certificate(svid.certPem).raw, "chaos.world")).toEqual(combat);
  });

  it("issues SVIDs with exactly the SPIFFE ID and loopback names", async () => {
    const cert = new X509Certificate((await issueSvid(ca, combat)).certPem);
    expect(cert.subjectAltName).toBe("URI:spiffe://chaos.world/ns/chaos/sa/combat, DNS:localhost, DNS:combat, IP Address:127.0.0.1");
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    // Valid from a little in the past, for clock skew, and for the default 24 hours.
    expect(Date.now() - new Date(cert.validFrom).getTime()).toBeGreaterThanOrEqual(4 * 60_000);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it.each<[SvidErrorReason, () => Promise<string>]>([
    ["no-uri-san", async () => (await issueCertificate(ca, { dnsNames: ["combat"] })).certPem],
    ["multiple-uri-sans", async () => (await issueCertificate(ca, { uris: [combat.uri, spiffeIdFor("ledger").uri] })).certPem],
    ["wrong-trust-domain", async () => (await issueSvid(ca, spiffeIdFor("combat", { trustDomain: "evil.world" }))).certPem],
    ["malformed-id", async () => (await issueCertificate(ca, { uris: ["https://chaos.world/ns/chaos/sa/combat"] })).certPem],
    ["is-ca", async () => (await issueCertificate(ca, { uris: [combat.uri], isCa: true })).certPem],
    ["expired", async () => (await issueCertificate(ca, { uris: [combat.uri], notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) })).certPem],
    ["not-yet-valid", async () => (await issueCertificate(ca, { uris: [combat.uri], notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 2 * day) })).certPem],
    ["bad-key-usage", () => certificateWithKeyUsage(x509.KeyUsageFlags.keyAgreement)],
    ["bad-key-usage", () => certificateWithKeyUsage(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign)],
  ])("rejects a certificate with reason %s", async (reason, make) => {
    const pem = await make();
    expect(reasonOf(() => verifySvid(pem, "chaos.world"))).toBe(reason);
  });

  it("rejects the CA certificate itself", () => {
    expect(() => verifySvid(ca.certPem, "chaos.world")).toThrow(SvidError);
  });

  it("accepts a leaf without keyUsage, which X.509-SVIDs may omit", async () => {
    expect(verifySvid(await certificateWithKeyUsage(undefined), "chaos.world")).toEqual(combat);
  });

  it("judges validity against the given time", async () => {
    const svid = await issueSvid(ca, combat, { validityHours: 1 });
    expect(reasonOf(() => verifySvid(svid.certPem, "chaos.world", new Date(Date.now() + 2 * 3_600_000)))).toBe("expired");
    expect(reasonOf(() => verifySvid(svid.certPem, "chaos.world", new Date(Date.now() - 3_600_000)))).toBe("not-yet-valid");
  });

  it("explains the refusal in its message", async () => {
    const two = await issueCertificate(ca, { uris: [combat.uri, spiffeIdFor("ledger").uri] });
    expect(() => verifySvid(two.certPem, "chaos.world")).toThrow("certificate has 2 URI SANs; an X.509-SVID has exactly one");
    const foreign = await issueSvid(ca, spiffeIdFor("combat", { trustDomain: "evil.world" }));
    expect(() => verifySvid(foreign.certPem, "chaos.world")).toThrow("SPIFFE ID spiffe://evil.world/ns/chaos/sa/combat is not in trust domain chaos.world");
  });

  it("does not let a comma inside a URI SAN pose as a second SAN", async () => {
    const smuggled = `spiffe://evil.world/ns/chaos/sa/x, URI:${combat.uri}`;
    const cert = await issueCertificate(ca, { uris: [smuggled] });
    expect(uriSans(new X509Certificate(cert.certPem).subjectAltName)).toEqual([smuggled]);
    expect(reasonOf(() => verifySvid(cert.certPem, "chaos.world"))).toBe("malformed-id");
  });

  it("reports a peer that sent no certificate and bytes that are not one", () => {
    expect(reasonOf(() => verifySvid({} as never, "chaos.world"))).toBe("no-certificate");
    expect(reasonOf(() => verifySvid("not a certificate", "chaos.world"))).toBe("malformed-certificate");
  });
});

describe("uriSans", () => {
  it("reads URI entries among others, quoted or not", () => {
    expect(uriSans('DNS:a, URI:spiffe://x/ns/a/sa/b, IP Address:127.0.0.1, URI:"spiffe://x/ns/a/sa/b,c", DNS:"d\\"e"')).toEqual([
      "spiffe://x/ns/a/sa/b",
      "spiffe://x/ns/a/sa/b,c",
    ]);
    expect(uriSans(undefined)).toEqual([]);
  });

  it("refuses text that does not follow Node's format", () => {
    expect(() => uriSans('URI:"unterminated')).toThrow(SvidError);
    expect(() => uriSans('URI:"a"b')).toThrow(SvidError);
  });
});

/** A leaf signed by the test CA with the given keyUsage (or none), which issueCertificate never makes. */
async function certificateWithKeyUsage(usages: x509.KeyUsageFlags | undefined): Promise<string> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey("pkcs8", x509.PemConverter.decode(ca.keyPem)[0]!, algorithm, false, ["sign"]);
  const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    subject: "CN=combat",
    issuer: caCert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + day),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(usages === undefined ? [] : [new x509.KeyUsagesExtension(usages, true)]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: combat.uri }]),
    ],
  });
  return cert.toString("pem");
}
