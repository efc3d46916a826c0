import { X509Certificate, createPrivateKey } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureLocalPki, rotateSvid } from "./local-pki.js";
import { spiffeIdFor } from "./spiffe-id.js";
import { verifySvid } from "./svid.js";

const services = ["gateway", "combat"];
const dirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-pki-test-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under `dir` with its content and modification time. */
function snapshot(dir: string): Record<string, { content: string; mtimeMs: number }> {
  const files: Record<string, { content: string; mtimeMs: number }> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = { content: fs.readFileSync(file, "utf8"), mtimeMs: fs.statSync(file).mtimeMs };
  }
  return files;
}

function certOf(dir: string, service: string): X509Certificate {
  return new X509Certificate(fs.readFileSync(path.join(dir, service, "svid.pem")));
}

describe("ensureLocalPki", () => {
  it("creates a CA and, per service, an SVID, its key and the trust bundle", async () => {
    const dir = tempDir();
    const pki = await ensureLocalPki(dir, services);
    expect(Object.keys(snapshot(dir)).sort()).toEqual([
      "ca-key.pem",
      "ca.pem",
      "combat/bundle.pem",
      "combat/svid-key.pem",
      "combat/svid.pem",
      "gateway/bundle.pem",
      "gateway/svid-key.pem",
      "gateway/svid.pem",
    ]);
    expect(pki.caPem).toBe(fs.readFileSync(path.join(dir, "ca.pem"), "utf8"));
    for (const service of services) {
      const files = pki.paths(service);
      const cert = new X509Certificate(fs.readFileSync(files.cert));
      expect(verifySvid(cert, "chaos.world")).toEqual(spiffeIdFor(service));
      expect(cert.verify(new X509Certificate(pki.caPem).publicKey)).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(files.key)))).toBe(true);
      expect(fs.readFileSync(files.bundle, "utf8")).toBe(pki.caPem);
      expect(fs.statSync(files.key).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(path.join(dir, "ca-key.pem")).mode & 0o777).toBe(0o600);
  });

  it("changes nothing when called again", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services);
    const before = snapshot(dir);
    const again = await ensureLocalPki(dir, services);
    expect(snapshot(dir)).toEqual(before);
    expect(again.caPem).toBe(before["ca.pem"]!.content);
  });

  it("adds a new service without touching the others", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services);
    const before = snapshot(dir);
    await ensureLocalPki(dir, [...services, "ledger"]);
    const after = snapshot(dir);
    expect(after["gateway/svid.pem"]).toEqual(before["gateway/svid.pem"]);
    expect(verifySvid(after["ledger/svid.pem"]!.content, "chaos.world").serviceAccount).toBe("ledger");
  });

  it("re-issues an SVID that expires within renewBeforeHours, keeping the CA", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services, { validityHours: 2 });
    const before = snapshot(dir);
    const oldSerial = certOf(dir, "combat").serialNumber;
    await ensureLocalPki(dir, services);
    const renewed = certOf(dir, "combat");
    expect(renewed.serialNumber).not.toBe(oldSerial);
    expect(new Date(renewed.validTo).getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(snapshot(dir)["ca.pem"]).toEqual(before["ca.pem"]);
    expect(renewed.checkPrivateKey(createPrivateKey(fs.readFileSync(path.join(dir, "combat", "svid-key.pem"))))).toBe(true);
  });

  it("re-issues an SVID whose key no longer matches (a crash between the two writes)", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services);
    fs.copyFileSync(path.join(dir, "gateway", "svid-key.pem"), path.join(dir, "combat", "svid-key.pem"));
    await ensureLocalPki(dir, services);
    expect(certOf(dir, "combat").checkPrivateKey(createPrivateKey(fs.readFileSync(path.join(dir, "combat", "svid-key.pem"))))).toBe(true);
  });

  it("re-issues SVIDs for another trust domain instead of keeping the old identity", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services);
    await ensureLocalPki(dir, services, { trustDomain: "staging.chaos.world" });
    expect(verifySvid(certOf(dir, "combat"), "staging.chaos.world").uri).toBe("spiffe://staging.chaos.world/ns/chaos/sa/combat");
  });

  it("creates a single CA when processes start together", async () => {
    const dir = tempDir();
    const results = await Promise.all([ensureLocalPki(dir, services), ensureLocalPki(dir, services), ensureLocalPki(dir, services)]);
    const ca = new X509Certificate(fs.readFileSync(path.join(dir, "ca.pem")));
    for (const pki of results) expect(pki.caPem).toBe(fs.readFileSync(path.join(dir, "ca.pem"), "utf8"));
    for (const service of services) expect(certOf(dir, service).verify(ca.publicKey)).toBe(true);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".tmp") || name === ".lock")).toEqual([]);
  });

  it("refuses a service name that would escape the directory", async () => {
    await expect(ensureLocalPki(tempDir(), ["../escape"])).rejects.toThrow(/invalid SPIFFE service account "..\/escape"/);
  });
});

describe("rotateSvid", () => {
  it("re-issues one service's SVID now and leaves the rest alone", async () => {
    const dir = tempDir();
    await ensureLocalPki(dir, services);
    const before = snapshot(dir);
    const oldSerial = certOf(dir, "combat").serialNumber;
    await rotateSvid(dir, "combat");
    const after = snapshot(dir);
    expect(certOf(dir, "combat").serialNumber).not.toBe(oldSerial);
    expect(after["combat/svid-key.pem"]!.content).not.toBe(before["combat/svid-key.pem"]!.content);
    expect(after["gateway/svid.pem"]).toEqual(before["gateway/svid.pem"]);
    expect(after["ca.pem"]).toEqual(before["ca.pem"]);
    expect(verifySvid(after["combat/svid.pem"]!.content, "chaos.world")).toEqual(spiffeIdFor("combat"));
    expect(Object.keys(after).some((name) => name.endsWith(".tmp"))).toBe(false);
  });
});
