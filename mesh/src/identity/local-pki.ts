import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createCertificateAuthority, issueSvid, type CertificateAuthority } from "./local-ca.js";
import { spiffeIdFor, type SpiffeId } from "./spiffe-id.js";
import { uriSans } from "./svid.js";

/** Files of one workload's SVID: certificate, PKCS#8 key and trust bundle, PEM. */
export interface SvidPaths {
  readonly cert: string;
  readonly key: string;
  readonly bundle: string;
}

/** A directory of SVIDs issued by one local CA. */
export interface LocalPki {
  readonly dir: string;
  /** The CA certificate, which is also every workload's trust bundle. */
  readonly caPem: string;
  /** Where a service's SVID, key and trust bundle are. */
  paths(service: string): SvidPaths;
}

/** Options of {@link ensureLocalPki} and {@link rotateSvid}. */
export interface LocalPkiOptions {
  /** Default "chaos.world". */
  readonly trustDomain?: string;
  /** Default "chaos". */
  readonly namespace?: string;
  /** Re-issue an SVID that expires within this many hours. Default 6. */
  readonly renewBeforeHours?: number;
  /** Validity of newly issued SVIDs. Default 24 hours. */
  readonly validityHours?: number;
}

const hour = 3_600_000;
// Issuing takes milliseconds; a lock this old was left by a process that died holding it.
const staleLockMs = 10_000;
const lockWaitMs = 30_000;

/**
 * Makes sure `dir` holds a CA and a current SVID for every service:
 * `ca.pem`, `ca-key.pem` (0600), and `<service>/svid.pem`, `svid-key.pem`
 * (0600), `bundle.pem`. Idempotent: files that are still good are left
 * untouched. An SVID is re-issued when it expires within `renewBeforeHours`,
 * was not signed by the current CA, names another identity, or does not match
 * its key. Processes starting together may call this on one directory: a
 * lock directory makes sure only one CA is ever created.
 */
export async function ensureLocalPki(dir: string, services: readonly string[], options: LocalPkiOptions = {}): Promise<LocalPki> {
  const ids = new Map(services.map((service) => [service, spiffeIdFor(service, options)]));
  const renewBefore = (options.renewBeforeHours ?? 6) * hour;
  const ca = await withLock(dir, async () => {
    const ca = await ensureCa(dir, options);
    const caCert = new X509Certificate(ca.certPem);
    for (const [service, id] of ids) {
      const files = svidPaths(dir, service);
      if (!svidIsCurrent(files, id, caCert, ca.certPem, renewBefore)) await writeSvid(files, id, ca, options);
    }
    return ca;
  });
  return { dir, caPem: ca.certPem, paths: (service) => svidPaths(dir, service) };
}

/**
 * Re-issues one service's SVID now, whatever the state of the current one
 * (rotation on demand). Servers watching the files pick it up for new
 * connections.
 */
export async function rotateSvid(dir: string, service: string, options: LocalPkiOptions = {}): Promise<void> {
  const id = spiffeIdFor(service, options);
  await withLock(dir, async () => writeSvid(svidPaths(dir, service), id, await ensureCa(dir, options), options));
}

async function ensureCa(dir: string, options: LocalPkiOptions): Promise<CertificateAuthority> {
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "ca-key.pem");
  const existing = readPair(certFile, keyFile);
  // A CA that dies before the SVIDs it would sign is replaced; its SVIDs then fail the issuer check and are re-issued.
  const needed = Date.now() + (options.validityHours ?? 24) * hour;
  if (existing !== undefined && existing.cert.ca && new Date(existing.cert.validTo).getTime() > needed) {
    return { certPem: existing.certPem, keyPem: existing.keyPem };
  }
  const ca = await createCertificateAuthority();
  writeAtomic(keyFile, ca.keyPem, 0o600);
  writeAtomic(certFile, ca.certPem, 0o644);
  return ca;
}

function svidIsCurrent(files: SvidPaths, id: SpiffeId, caCert: X509Certificate, caPem: string, renewBefore: number): boolean {
  const current = readPair(files.cert, files.key);
  if (current === undefined) return false;
  const { cert } = current;
  return (
    new Date(cert.validTo).getTime() - Date.now() > renewBefore &&
    cert.verify(caCert.publicKey) &&
    sameList(uriSans(cert.subjectAltName), [id.uri]) &&
    readText(files.bundle) === caPem
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

async function writeSvid(files: SvidPaths, id: SpiffeId, ca: CertificateAuthority, options: LocalPkiOptions): Promise<void> {
  fs.mkdirSync(path.dirname(files.cert), { recursive: true });
  const svid = await issueSvid(ca, id, { validityHours: options.validityHours });
  writeAtomic(files.bundle, ca.certPem, 0o644);
  // Key first: a reader that sees the new certificate must also find its key.
  writeAtomic(files.key, svid.keyPem, 0o600);
  writeAtomic(files.cert, svid.certPem, 0o644);
}

function svidPaths(dir: string, service: string): SvidPaths {
  return {
    cert: path.join(dir, service, "svid.pem"),
    key: path.join(dir, service, "svid-key.pem"),
    bundle: path.join(dir, service, "bundle.pem"),
  };
}

/** A certificate and its key when both are readable and belong together (a crash between the two writes leaves a mismatch). */
function readPair(certFile: string, keyFile: string): { cert: X509Certificate; certPem: string; keyPem: string } | undefined {
  const certPem = readText(certFile);
  const keyPem = readText(keyFile);
  if (certPem === undefined || keyPem === undefined) return undefined;
  try {
    const cert = new X509Certificate(certPem);
    return cert.checkPrivateKey(createPrivateKey(keyPem)) ? { cert, certPem, keyPem } : undefined;
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Replaces `file` by renaming a fully written temporary file over it, so a watcher never reads half a file. */
function writeAtomic(file: string, content: string, mode: number): void {
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = fs.openSync(temporary, "wx", mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = path.join(dir, ".lock");
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleLockMs) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`PKI directory ${dir} stayed locked for ${lockWaitMs / 1000} s; remove ${lock} if no other process is issuing certificates`);
      else await sleep(25);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
