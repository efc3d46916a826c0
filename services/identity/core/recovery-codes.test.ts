import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode, recoveryCodeCount } from "./recovery-codes.js";

describe("recovery codes", () => {
  it("are ten distinct groups of Crockford base32, readable from paper", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(recoveryCodeCount);
    expect(new Set(codes).size).toBe(recoveryCodeCount);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$/);
  });

  it("normalize case, dashes and spaces to one form, so each typed variant hashes the same", () => {
    const [code] = generateRecoveryCodes(1);
    const canonical = normalizeRecoveryCode(code!);
    expect(canonical).toBe(code!.replaceAll("-", ""));
    expect(normalizeRecoveryCode(code!.toUpperCase().replaceAll("-", " "))).toBe(canonical);
    expect(hashRecoveryCode(canonical!)).toEqual(hashRecoveryCode(normalizeRecoveryCode(` ${code!.toUpperCase()} `)!));
  });

  it("refuse what cannot be a code: wrong length, or letters outside the alphabet", () => {
    expect(normalizeRecoveryCode("123456")).toBeUndefined();
    expect(normalizeRecoveryCode("abcd-efgh-ijkl-mnop")).toBeUndefined();
    expect(normalizeRecoveryCode("abcd-efgh-jkmn-pqrs-t")).toBeUndefined();
  });
});
