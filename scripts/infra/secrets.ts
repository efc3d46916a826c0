import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "./config.js";

const file = path.join(dataDir, "secrets.json");

/**
 * Local development secrets (database passwords), generated once per data
 * directory and kept in a 0600 file under .chaos/. Never committed.
 */
export function secret(name: string): string {
  return remembered(name, () => crypto.randomBytes(18).toString("base64url"));
}

/**
 * A local key of `bytes` random bytes (base64), kept the same way: what `npm
 * start` gives a service for a key its manifest declares (ServiceManifest.secrets).
 */
export function secretKey(name: string, bytes: number): string {
  return remembered(name, () => crypto.randomBytes(bytes).toString("base64"));
}

function remembered(name: string, make: () => string): string {
  const all = read();
  let value = all[name];
  if (value === undefined) {
    value = make();
    all[name] = value;
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(all, null, 2), { mode: 0o600 });
  }
  return value;
}

function read(): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}
