import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createCertificateAuthority, issueSvid, type CertificateAuthority } from "./local-ca.js";
import { spiffeIdFor } from "./spiffe-id.js";

/** A directory of SVIDs issued by one local CA. */
export interface LocalPki {
  readonly dir: string;
  readonly caPem: string;
  /** Where a service's SVID, key and trust bundle are. */
  paths(service: string): { cert: string; key: string; bundle: string };
}

/** Options of {@link ensureLocalPki}. */
export interface LocalPkiOptions {
  readonly trustDomain?: string;
  readonly namespace?: string;
  /** Re-issue an SVID that expires within this many hours. Default 6. */
  readonly renewBeforeHours?: number;
  /** Validity of new SVIDs. Default 24 hours. */
  readonly validityHours?: number;
}

/**
 * Makes sure `dir` holds a CA and a current SVID for every service:
 * `ca.pem`, `ca-key.pem` (0600), `<service>/svid.pem`, `svid-key.pem` (0600),
 * `bundle.pem`. Idempotent; SVIDs close to expiry are re-issued (rotation).
 * Files are replaced atomically, key first, so a watcher never reads half a
 * file or a certificate without its key.
 */
export async function ensureLocalPki(dir: string, services: readonly string[], options: LocalPkiOptions = {}): Promise<LocalPki> {
  fs.mkdirSync(dir, { recursive: true });
  const ca = await ensureCa(dir);
  const renewBefore = (options.renewBeforeHours ?? 6) * 3_600_000;
  for (const service of services) {
    const files = paths(dir, service);
    const current = readCert(files.cert);
    const fresh = current !== undefined && new Date(current.validTo).getTime() - Date.now() > renewBefore && current.checkIssued(new X509Certificate(ca.certPem));
    if (!fresh || !fs.existsSync(files.key) || !fs.existsSync(files.bundle)) await writeSvid(dir, service, ca, options);
  }
  return { dir, caPem: ca.certPem, paths: (service) => paths(dir, service) };
}

/** Re-issues one service's SVID now (rotation on demand). */
export async function rotateSvid(dir: string, service: string, options: LocalPkiOptions = {}): Promise<void> {
  await writeSvid(dir, service, await ensureCa(dir), options);
}

async function ensureCa(dir: string): Promise<CertificateAuthority> {
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "ca-key.pem");
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { certPem: fs.readFileSync(certFile, "utf8"), keyPem: fs.readFileSync(keyFile, "utf8") };
  }
  const ca = await createCertificateAuthority();
  writeAtomic(keyFile, ca.keyPem, 0o600);
  writeAtomic(certFile, ca.certPem, 0o644);
  return ca;
}

async function writeSvid(dir: string, service: string, ca: CertificateAuthority, options: LocalPkiOptions): Promise<void> {
  const files = paths(dir, service);
  fs.mkdirSync(path.dirname(files.cert), { recursive: true });
  const svid = await issueSvid(ca, spiffeIdFor(service, options), { validityHours: options.validityHours });
  writeAtomic(files.bundle, ca.certPem, 0o644);
  writeAtomic(files.key, svid.keyPem, 0o600);
  writeAtomic(files.cert, svid.certPem, 0o644);
}

function paths(dir: string, service: string) {
  return {
    cert: path.join(dir, service, "svid.pem"),
    key: path.join(dir, service, "svid-key.pem"),
    bundle: path.join(dir, service, "bundle.pem"),
  };
}

function readCert(file: string): X509Certificate | undefined {
  try {
    return new X509Certificate(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content, { mode });
  fs.renameSync(temporary, file);
}
