import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Encrypts small secrets at rest (MFA secrets, token signing keys). */
export interface SecretBox {
  /**
   * Encrypts `plaintext` for the row it belongs to: `context` (e.g.
   * "mfa:<account id>") is authenticated, so a ciphertext copied into another
   * row does not decrypt there.
   */
  seal(plaintext: Buffer, context: string): Buffer;
  /** Decrypts what seal produced for the same context; throws when it was altered or belongs elsewhere. */
  open(sealed: Buffer, context: string): Buffer;
}

const version = 1;
const ivBytes = 12;
const tagBytes = 16;

/** AES-256-GCM under `key` (32 bytes); a sealed value is version ‖ IV ‖ tag ‖ ciphertext. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("secret box: the key must be 32 bytes");
  return {
    seal(plaintext, context) {
      // A random 96-bit IV per value: far below the 2^32 encryptions under one key where GCM IV collisions become likely.
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([Buffer.of(version), iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed, context) {
      if (sealed.length < 1 + ivBytes + tagBytes || sealed[0] !== version) throw new Error("secret box: not a sealed value of this version");
      const iv = sealed.subarray(1, 1 + ivBytes);
      const tag = sealed.subarray(1 + ivBytes, 1 + ivBytes + tagBytes);
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed.subarray(1 + ivBytes + tagBytes)), decipher.final()]);
    },
  };
}
