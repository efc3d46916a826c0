import { Secret, TOTP } from "otpauth";

/** The issuer authenticator apps show next to the code. */
export const totpIssuer = "Chaos World";

// RFC 6238 as every authenticator app implements it: HMAC-SHA1, 6 digits, 30-second steps.
const algorithm = "SHA1";
const digits = 6;
const period = 30;
// One step either side: a code typed just as it rolled over, or a phone clock a few seconds off, still counts.
const window = 1;

/** A new random TOTP secret (160 bits, RFC 4226's recommendation), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function totpUri(secretBase32: string, email: string): string {
  return totpFor(secretBase32, email).toString();
}

/**
 * The time step (counter) whose code `code` is, within the window around
 * `now`, or undefined when it is no valid code. Callers refuse a step that is
 * not newer than the last one accepted, so each code works once.
 */
export function acceptedTimeStep(secretBase32: string, code: string, now: number = Date.now()): number | undefined {
  const delta = totpFor(secretBase32, "").validate({ token: code, timestamp: now, window });
  return delta === null ? undefined : TOTP.counter({ period, timestamp: now }) + delta;
}

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: totpIssuer, label, algorithm, digits, period, secret: Secret.fromBase32(secretBase32) });
}
