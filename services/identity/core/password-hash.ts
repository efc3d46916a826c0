import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/*
 * Passwords are stored with scrypt: it is built into Node (node:crypto, no
 * native dependency to compile, unlike argon2 bindings) and memory-hard —
 * every guess needs 128·N·r bytes (32 MiB with the parameters below), which
 * makes GPU and ASIC cracking of a stolen table expensive. Each hash records
 * its own parameters, so they can be raised later: old hashes still verify
 * and are re-hashed with the new ones at the next successful login.
 */

/** scrypt cost parameters: N = 2^logN (CPU and memory), r (block size), p (parallelism). */
export interface ScryptParams {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** What new hashes use: N = 2^15, r = 8, p = 1 (OWASP's scrypt recommendation). */
export const currentScryptParams: ScryptParams = { logN: 15, r: 8, p: 1 };

const saltBytes = 32;
const keyBytes = 32;
// A stored hash naming a larger cost than this is refused rather than computed: a tampered row must not exhaust memory.
const maxLogN = 20;

/** Hashes `password` into a self-describing string: `scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64). */
export async function hashPassword(password: string, params: ScryptParams = currentScryptParams): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, params);
  return `scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** True when `password` matches `stored`; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  const candidate = await derive(password, parsed.salt, parsed.params);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/** True when `stored` was made with weaker parameters than `params`, so it should be replaced. */
export function needsRehash(stored: string, params: ScryptParams = currentScryptParams): boolean {
  const current = parseHash(stored).params;
  return current.logN < params.logN || current.r < params.r || current.p < params.p;
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parseHash(stored: string): ParsedHash {
  const match = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (match === null) throw new Error("stored password hash is not in the scrypt format");
  const params = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (params.logN < 1 || params.logN > maxLogN || params.r < 1 || params.p < 1) throw new Error("stored password hash has out-of-range scrypt parameters");
  return { params, salt: Buffer.from(match[4]!, "base64"), hash: Buffer.from(match[5]!, "base64") };
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // OpenSSL needs 128·r·(N + p + 2) bytes; Node's default limit (32 MiB) is just below that for N = 2^15, r = 8.
    maxmem: 128 * params.r * (N + params.p + 2) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    // NFC first, so the same password typed on two keyboards (composed vs decomposed accents) gives the same hash.
    scrypt(password.normalize("NFC"), salt, keyBytes, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}
