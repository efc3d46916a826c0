import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "./secret-box.js";

describe("secret box (AES-256-GCM)", () => {
  const box = createSecretBox(randomBytes(32));
  const secret = Buffer.from("JBSWY3DPEHPK3PXP");

  it("opens what it sealed for the same row, and seals the same secret differently each time", () => {
    const sealed = box.seal(secret, "mfa:a");
    expect(box.open(sealed, "mfa:a")).toEqual(secret);
    expect(box.seal(secret, "mfa:a")).not.toEqual(sealed);
    expect(sealed.includes(secret)).toBe(false);
  });

  it("refuses a value moved to another row, altered, or sealed under another key", () => {
    const sealed = box.seal(secret, "mfa:a");
    expect(() => box.open(sealed, "mfa:b")).toThrow();
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(() => box.open(altered, "mfa:a")).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, "mfa:a")).toThrow();
  });
});
