import { argon2, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/*
 * Passwords are stored with Argon2id, OWASP's first choice, at its minimum
 * cost: 19 MiB of memory, 2 passes, 1 lane. It is built into Node (24.7+,
 * node:crypto; no native binding to compile). Measured on this project's
 * machines it costs ~37 ms a hash, where scrypt at OWASP's minimum (N = 2^17,
 * r = 8) costs ~390 ms — ten times the login CPU for a comparable defence — and
 * the scrypt N = 2^15 of earlier releases ~120 ms while falling short of it.
 * Each hash names its own scheme and cost (PHC string format), so the cost can
 * be raised later: older hashes, scrypt ones included, still verify and are
 * replaced at the next successful login (needsRehash).
 */

/** Argon2id cost: memory in KiB, passes over it, lanes. */
export interface Argon2Params {
  readonly memoryKiB: number;
  readonly passes: number;
  readonly parallelism: number;
}

/** What new hashes use (OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1). */
export const currentArgon2Params: Argon2Params = { memoryKiB: 19 * 1024, passes: 2, parallelism: 1 };

/** scrypt cost of hashes made by earlier releases: N = 2^logN, r, p. */
export interface ScryptParams {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

const saltBytes = 16;
const keyBytes = 32;
// A stored hash naming a larger cost than these is refused rather than computed: a tampered row must not exhaust memory or time.
const maxArgon2MemoryKiB = 1024 * 1024;
const maxArgon2Passes = 16;
const maxScryptLogN = 20;

/** Hashes `password` into a PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (unpadded base64). */
export async function hashPassword(password: string, params: Argon2Params = currentArgon2Params): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await deriveArgon2(password, salt, params);
  return `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}$${unpadded(salt)}$${unpadded(hash)}`;
}

/** True when `password` matches `stored` (Argon2id, or an earlier release's scrypt); the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  const candidate = parsed.scheme === "argon2id" ? await deriveArgon2(password, parsed.salt, parsed.params) : await deriveScrypt(password, parsed.salt, parsed.params);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/** True when `stored` should be replaced by a hash made now: another scheme, or a weaker cost. */
export function needsRehash(stored: string, params: Argon2Params = currentArgon2Params): boolean {
  const parsed = parseHash(stored);
  if (parsed.scheme !== "argon2id") return true;
  return parsed.params.memoryKiB < params.memoryKiB || parsed.params.passes < params.passes || parsed.params.parallelism < params.parallelism;
}

/** An earlier release's scrypt hash (`scrypt$ln=15,r=8,p=1$<salt>$<hash>`): for tests of the upgrade path only. */
export async function legacyScryptHash(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(32);
  const hash = await deriveScrypt(password, salt, params);
  return `scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

type ParsedHash =
  | { readonly scheme: "argon2id"; readonly params: Argon2Params; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly scheme: "scrypt"; readonly params: ScryptParams; readonly salt: Buffer; readonly hash: Buffer };

function parseHash(stored: string): ParsedHash {
  const argon = /^\$argon2id\$v=19\$m=(\d{1,8}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (argon !== null) {
    const params = { memoryKiB: Number(argon[1]), passes: Number(argon[2]), parallelism: Number(argon[3]) };
    if (params.memoryKiB < 8 * params.parallelism || params.memoryKiB > maxArgon2MemoryKiB || params.passes < 1 || params.passes > maxArgon2Passes || params.parallelism !== 1) {
      throw new Error("stored password hash has out-of-range argon2id parameters");
    }
    return { scheme: "argon2id", params, salt: Buffer.from(argon[4]!, "base64"), hash: Buffer.from(argon[5]!, "base64") };
  }
  const legacy = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (legacy === null) throw new Error("stored password hash is in neither the argon2id nor the scrypt format");
  const params = { logN: Number(legacy[1]), r: Number(legacy[2]), p: Number(legacy[3]) };
  if (params.logN < 1 || params.logN > maxScryptLogN || params.r < 1 || params.p < 1) throw new Error("stored password hash has out-of-range scrypt parameters");
  return { scheme: "scrypt", params, salt: Buffer.from(legacy[4]!, "base64"), hash: Buffer.from(legacy[5]!, "base64") };
}

// NFC first, so the same password typed on two keyboards (composed vs decomposed accents) gives the same hash.
const normalized = (password: string) => password.normalize("NFC");

function deriveArgon2(password: string, salt: Buffer, params: Argon2Params): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2(
      "argon2id",
      { message: normalized(password), nonce: salt, parallelism: params.parallelism, tagLength: keyBytes, memory: params.memoryKiB, passes: params.passes },
      (error, key) => (error === null ? resolve(key) : reject(error)),
    );
  });
}

function deriveScrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is just below that for N = 2^15, r = 8.
    maxmem: 128 * params.r * (N + params.p + 2) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(normalized(password), salt, keyBytes, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

function unpadded(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}
