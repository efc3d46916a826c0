import { createHash, randomBytes } from "node:crypto";

/** How many recovery codes VerifyMfa hands out. */
export const recoveryCodeCount = 10;

// Crockford's base32 alphabet (no i, l, o, u): nothing a person copying the code from paper can confuse.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
const codeBytes = 10;
const groupLength = 4;

/**
 * Fresh one-time recovery codes, shown to the user once, like
 * "7k2m-q9xd-4tnh-c0wz": 80 random bits each, so a plain SHA-256 of a code
 * (what is stored) cannot be reversed by guessing.
 */
export function generateRecoveryCodes(count = recoveryCodeCount): string[] {
  return Array.from({ length: count }, () => {
    const symbols = base32(randomBytes(codeBytes));
    return symbols.match(new RegExp(`.{${groupLength}}`, "g"))!.join("-");
  });
}

/** A typed code in canonical form (lower case, no dashes or spaces), or undefined when it cannot be a recovery code. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const code = typed.toLowerCase().replace(/[\s-]/g, "");
  return code.length === (codeBytes * 8) / 5 && [...code].every((c) => alphabet.includes(c)) ? code : undefined;
}

/** What is stored for a (normalized) code. */
export function hashRecoveryCode(normalized: string): Buffer {
  return createHash("sha256").update(normalized).digest();
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
