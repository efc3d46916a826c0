import { integerSetting, numberSetting, originsSetting } from "@chaos/mesh/server";
import type { PasskeySettings } from "./core/passkeys.js";

/** The identity service's settings, read from the environment at start-up. */
export interface IdentityConfig {
  /**
   * Consecutive failed logins on an email from one client address that lock
   * that address out of it (other addresses, the owner's among them, are not).
   * CHAOS_IDENTITY_LOCK_AFTER_FAILURES, default 5.
   */
  readonly lockAfterFailures: number;
  /** How long such a lock lasts, in seconds. CHAOS_IDENTITY_LOCK_SECONDS, default 900 (15 min). */
  readonly lockSeconds: number;
  /**
   * Consecutive failed logins on an email from all addresses together that lock
   * it for every address: the back-off against guessing spread over many
   * addresses, slower to start and shorter than the per-address lock so that it
   * is a poor tool to keep the owner out. CHAOS_IDENTITY_GLOBAL_LOCK_AFTER_FAILURES, default 20.
   */
  readonly globalLockAfterFailures: number;
  /** How long the lock for every address lasts, in seconds. CHAOS_IDENTITY_GLOBAL_LOCK_SECONDS, default 60. */
  readonly globalLockSeconds: number;
  /**
   * Login attempts on one email, right or wrong, from anywhere, allowed per
   * window (below); more are refused with LOGIN_RATE_LIMITED and RetryInfo
   * before any password is hashed. CHAOS_IDENTITY_LOGIN_BURST_LIMIT, default 20.
   */
  readonly loginBurstLimit: number;
  /** The window of loginBurstLimit, in seconds. CHAOS_IDENTITY_LOGIN_BURST_SECONDS, default 60. */
  readonly loginBurstSeconds: number;
  /**
   * The AES-256 key that encrypts MFA secrets and token signing keys at rest:
   * CHAOS_IDENTITY_SECRET_KEY, base64 of 32 bytes. Required, with no default:
   * a key kept beside the data it protects would be in every dump of it. `npm
   * start` and the test stacks supply a local one (the manifest declares it);
   * a deployment puts it in the service's Secret.
   */
  readonly secretKey: Buffer;
  /**
   * Age after which the token signing key is replaced by a new one, in hours
   * (fractions allowed). CHAOS_IDENTITY_KEY_ROTATION_HOURS, default 24.
   */
  readonly keyRotationHours: number;
  /**
   * Seconds after a refresh token was traded in which trading it again gives
   * another pair of the same session instead of revoking it as reused (a lost
   * answer, quick reloads). CHAOS_IDENTITY_REFRESH_GRACE_SECONDS, default 10; 0 turns it off.
   */
  readonly refreshGraceSeconds: number;
  /**
   * Passkeys (WebAuthn). CHAOS_IDENTITY_PASSKEY_RP_ID, default "localhost":
   * the site's registrable domain, which every origin's host must be or end
   * in. CHAOS_IDENTITY_PASSKEY_ORIGINS, comma-separated, default
   * "http://localhost:8080" (the console of `npm start`): where the console is
   * served, since the authenticator signs the origin and any other is refused.
   * CHAOS_IDENTITY_PASSKEY_MAX, default 10 per account.
   */
  readonly passkeys: PasskeySettings;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  return {
    lockAfterFailures: integerSetting(env, "CHAOS_IDENTITY_LOCK_AFTER_FAILURES", 5, 1, 100),
    lockSeconds: integerSetting(env, "CHAOS_IDENTITY_LOCK_SECONDS", 900, 1, 86_400),
    globalLockAfterFailures: integerSetting(env, "CHAOS_IDENTITY_GLOBAL_LOCK_AFTER_FAILURES", 20, 1, 10_000),
    globalLockSeconds: integerSetting(env, "CHAOS_IDENTITY_GLOBAL_LOCK_SECONDS", 60, 1, 86_400),
    loginBurstLimit: integerSetting(env, "CHAOS_IDENTITY_LOGIN_BURST_LIMIT", 20, 1, 10_000),
    loginBurstSeconds: integerSetting(env, "CHAOS_IDENTITY_LOGIN_BURST_SECONDS", 60, 1, 3_600),
    secretKey: secretKey(env, "CHAOS_IDENTITY_SECRET_KEY"),
    keyRotationHours: keyRotationHours(env),
    refreshGraceSeconds: integerSetting(env, "CHAOS_IDENTITY_REFRESH_GRACE_SECONDS", 10, 0, 300),
    passkeys: passkeySettings(env),
  };
}

function passkeySettings(env: NodeJS.ProcessEnv): PasskeySettings {
  const rpId = (env.CHAOS_IDENTITY_PASSKEY_RP_ID ?? "").trim() || "localhost";
  // A domain name, not a URL or an address: browsers refuse IP addresses as RP IDs.
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId) || /^[0-9.]+$/.test(rpId)) {
    throw new Error(`CHAOS_IDENTITY_PASSKEY_RP_ID must be a domain name such as "play.chaos.world" or "localhost" (no scheme, port or IP address), got "${rpId}"`);
  }
  const origins = originsSetting(env, "CHAOS_IDENTITY_PASSKEY_ORIGINS", "http://localhost:8080");
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw new Error(`CHAOS_IDENTITY_PASSKEY_ORIGINS: ${origin} is not on ${rpId} (CHAOS_IDENTITY_PASSKEY_RP_ID); a browser makes passkeys only for its own domain`);
    }
  }
  return { rpId, rpName: "Chaos World", origins, maxPerAccount: integerSetting(env, "CHAOS_IDENTITY_PASSKEY_MAX", 10, 1, 100) };
}

function secretKey(env: NodeJS.ProcessEnv, variable: string): Buffer {
  const raw = env[variable];
  if (raw === undefined || raw === "") {
    throw new Error(
      `${variable} is not set: identity refuses to start without the key that encrypts MFA secrets and token signing keys at rest, ` +
        "because a key kept beside the data would be in every dump of it. `npm start` and the test stacks supply a local one; " +
        "in a deployment, put one in the service's Secret (`openssl rand -base64 32`).",
    );
  }
  const key = Buffer.from(raw, "base64");
  // Buffer.from ignores characters outside the alphabet, so a round trip is what proves the value was base64.
  if (key.length !== 32 || key.toString("base64").replace(/=+$/, "") !== raw.trim().replace(/=+$/, "")) {
    throw new Error(`${variable} must be the base64 encoding of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

function keyRotationHours(env: NodeJS.ProcessEnv): number {
  const variable = "CHAOS_IDENTITY_KEY_ROTATION_HOURS";
  // Fractions let tests rotate within seconds; beyond a year, rotation would no longer bound a leaked key's use.
  const value = numberSetting(env, variable, 24, 0, 8_760);
  if (value <= 0) throw new Error(`${variable} must be a number of hours in (0, 8760], got "${env[variable]}"`);
  return value;
}
