import { describe, expect, it } from "vitest";
import { hashPassword, legacyScryptHash, needsRehash, verifyPassword } from "./password-hash.js";

/** The cost a PHC-format Argon2id hash names: memory in KiB, passes, lanes. */
function argon2Cost(stored: string) {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored);
  return match === null ? undefined : { memoryKiB: Number(match[1]), passes: Number(match[2]), parallelism: Number(match[3]) };
}

describe("password hashing (Argon2id; scrypt hashes still verify)", () => {
  it("makes new hashes at or above OWASP's minimum: Argon2id with 19 MiB, 2 passes, 1 lane", async () => {
    const cost = argon2Cost(await hashPassword("Ember plains at dawn 7"));
    expect(cost).toBeDefined();
    expect(cost!.memoryKiB).toBeGreaterThanOrEqual(19 * 1024);
    expect(cost!.passes).toBeGreaterThanOrEqual(2);
    expect(cost!.parallelism).toBe(1);
  });

  it("verifies the password it hashed, with a fresh salt each time, and refuses any other", async () => {
    const first = await hashPassword("Ember plains at dawn 7");
    const second = await hashPassword("Ember plains at dawn 7");
    expect(first).not.toBe(second);
    expect(await verifyPassword("Ember plains at dawn 7", first)).toBe(true);
    expect(await verifyPassword("Ember plains at dawn 8", first)).toBe(false);
  });

  it("treats composed and decomposed accents as the same password", async () => {
    const hash = await hashPassword("Caf\u00e9 au lait 1234");
    expect(await verifyPassword("Cafe\u0301 au lait 1234", hash)).toBe(true);
  });

  it("keeps verifying the scrypt hashes of earlier releases and says they should be replaced; current hashes need nothing", async () => {
    const old = await legacyScryptHash("Ember plains at dawn 7", { logN: 15, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
    expect(await verifyPassword("Ember plains at dawn 7", old)).toBe(true);
    expect(await verifyPassword("Ember plains at dawn 8", old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword("x"))).toBe(false);
    // A weaker Argon2id (an earlier default) is replaced too.
    expect(needsRehash("$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")).toBe(true);
  });

  it("refuses stored hashes it did not make, or whose cost is out of range, rather than computing them", async () => {
    await expect(verifyPassword("x", "plain-text")).rejects.toThrow(/format/);
    await expect(verifyPassword("x", "scrypt$ln=30,r=8,p=1$AAAA$AAAA")).rejects.toThrow(/out-of-range/);
    await expect(verifyPassword("x", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA")).rejects.toThrow(/out-of-range/);
  });
});
