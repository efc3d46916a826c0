import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadIdentityConfig } from "./config.js";

describe("identity settings", () => {
  it("refuse to start without the at-rest key, saying why and where it comes from: a key kept beside the data is in every dump of it", () => {
    expect(() => loadIdentityConfig({})).toThrow(/CHAOS_IDENTITY_SECRET_KEY is not set.*dump.*openssl rand -base64 32/s);
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: "" })).toThrow(/CHAOS_IDENTITY_SECRET_KEY is not set/);
  });

  it("default to 5 failures and 15 minutes per address, 20 failures and 1 minute for all, 20 logins a minute and daily key rotation", () => {
    const key = randomBytes(32);
    expect(loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key.toString("base64") })).toEqual({
      lockAfterFailures: 5,
      lockSeconds: 900,
      globalLockAfterFailures: 20,
      globalLockSeconds: 60,
      loginBurstLimit: 20,
      loginBurstSeconds: 60,
      secretKey: key,
      keyRotationHours: 24,
      refreshGraceSeconds: 10,
      passkeys: { rpId: "localhost", rpName: "Chaos World", origins: ["http://localhost:8080"], maxPerAccount: 10 },
    });
  });

  it("take passkeys for a domain and the console's origins on it, and refuse an RP ID that is an address or origins elsewhere", () => {
    const key = randomBytes(32).toString("base64");
    const config = loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key, CHAOS_IDENTITY_PASSKEY_RP_ID: "chaos.world", CHAOS_IDENTITY_PASSKEY_ORIGINS: "https://play.chaos.world, https://chaos.world" });
    expect(config.passkeys).toMatchObject({ rpId: "chaos.world", origins: ["https://play.chaos.world", "https://chaos.world"] });
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key, CHAOS_IDENTITY_PASSKEY_RP_ID: "127.0.0.1" })).toThrow(/CHAOS_IDENTITY_PASSKEY_RP_ID must be a domain name/);
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key, CHAOS_IDENTITY_PASSKEY_RP_ID: "https://chaos.world" })).toThrow(/CHAOS_IDENTITY_PASSKEY_RP_ID must be a domain name/);
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key, CHAOS_IDENTITY_PASSKEY_RP_ID: "chaos.world", CHAOS_IDENTITY_PASSKEY_ORIGINS: "https://chaos.world.evil.example" })).toThrow(
      /https:\/\/chaos\.world\.evil\.example is not on chaos\.world/,
    );
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key, CHAOS_IDENTITY_PASSKEY_ORIGINS: "*" })).toThrow(/CHAOS_IDENTITY_PASSKEY_ORIGINS must list origins/);
  });

  it("read a base64 key of 32 bytes and fractional rotation hours", () => {
    const key = randomBytes(32);
    const config = loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: key.toString("base64"), CHAOS_IDENTITY_KEY_ROTATION_HOURS: "0.5" });
    expect(config.secretKey).toEqual(key);
    expect(config.keyRotationHours).toBe(0.5);
  });

  it.each([
    ["CHAOS_IDENTITY_LOCK_AFTER_FAILURES", "0"],
    ["CHAOS_IDENTITY_LOCK_AFTER_FAILURES", "three"],
    ["CHAOS_IDENTITY_LOCK_SECONDS", "1.5"],
    ["CHAOS_IDENTITY_GLOBAL_LOCK_AFTER_FAILURES", "0"],
    ["CHAOS_IDENTITY_LOGIN_BURST_LIMIT", "-1"],
    ["CHAOS_IDENTITY_KEY_ROTATION_HOURS", "0"],
    ["CHAOS_IDENTITY_SECRET_KEY", randomBytes(16).toString("base64")],
    ["CHAOS_IDENTITY_SECRET_KEY", "not base64 at all, but long enough to be 32 bytes!"],
  ])("stop start-up on a bad %s (%j), naming it", (variable, value) => {
    expect(() => loadIdentityConfig({ CHAOS_IDENTITY_SECRET_KEY: randomBytes(32).toString("base64"), [variable]: value })).toThrow(variable);
  });
});
