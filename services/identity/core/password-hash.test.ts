import { describe, expect, it } from "vitest";
import { currentScryptParams, hashPassword, needsRehash, verifyPassword } from "./password-hash.js";

describe("password hashing (scrypt)", () => {
  it("verifies the password it hashed, with a fresh salt each time, and refuses any other", async () => {
    const first = await hashPassword("Ember plains at dawn 7");
    const second = await hashPassword("Ember plains at dawn 7");
    expect(first).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword("Ember plains at dawn 7", first)).toBe(true);
    expect(await verifyPassword("Ember plains at dawn 8", first)).toBe(false);
  });

  it("treats composed and decomposed accents as the same password", async () => {
    const hash = await hashPassword("Caf\u00e9 au lait 1234");
    expect(await verifyPassword("Cafe\u0301 au lait 1234", hash)).toBe(true);
  });

  it("keeps verifying hashes made with weaker parameters and says they should be replaced", async () => {
    const old = await hashPassword("Ember plains at dawn 7", { logN: 10, r: 8, p: 1 });
    expect(await verifyPassword("Ember plains at dawn 7", old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword("x", currentScryptParams))).toBe(false);
  });

  it("refuses stored hashes it did not make, rather than computing them", async () => {
    await expect(verifyPassword("x", "plain-text")).rejects.toThrow(/scrypt format/);
    await expect(verifyPassword("x", "scrypt$ln=30,r=8,p=1$AAAA$AAAA")).rejects.toThrow(/out-of-range/);
  });
});
