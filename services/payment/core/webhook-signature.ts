import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The provider's webhook signature, as Stripe defines it: the header
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each v1
 * is HMAC-SHA256, keyed by an endpoint's signing secret, of the string
 * "<t>.<raw body>". The body is the exact bytes received: parsing and
 * re-serialising JSON first would change them and break the signature.
 * Elements other than t and v1 (v0, Stripe's test-mode scheme) are ignored.
 * See Stripe's "verify manually" steps and its libraries' compute_signature
 * (e.g. stripe-ruby's Stripe::Webhook::Signature).
 */

/** Why a signature was refused; each maps to an ErrorReason. */
export type SignatureRefusal = "missing" | "mismatch" | "timestamp_outside_tolerance";

/** A refused signature, with a reason the caller maps to an ErrorReason. */
export class SignatureRefused extends Error {
  constructor(
    readonly refusal: SignatureRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What verification needs besides the request. */
export interface SignatureKeys {
  /** Every secret that may have signed: several during a rotation, the old one until it is retired. */
  readonly secrets: readonly string[];
  /** How far the signed timestamp may be from now, either way, in seconds (Stripe's default: 300). */
  readonly toleranceSeconds: number;
}

/** The hex HMAC-SHA256 of "<t>.<body>" under `secret`. */
export function computeSignature(timestamp: number, rawBody: Uint8Array, secret: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/** A Stripe-Signature header value for `rawBody`, signed with each secret given (what the provider sends). */
export function signatureHeader(timestamp: number, rawBody: Uint8Array, secrets: readonly string[]): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${computeSignature(timestamp, rawBody, secret)}`)].join(",");
}

/** The header's timestamp and v1 signatures; other schemes are dropped. */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const element of header.split(",")) {
    const at = element.indexOf("=");
    if (at < 0) continue;
    const key = element.slice(0, at).trim();
    const value = element.slice(at + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new SignatureRefused("missing", "the Stripe-Signature header needs a t= timestamp and at least one v1= signature");
  }
  return { timestamp, signatures };
}

/**
 * Verifies a webhook: some v1 must equal the signature of the raw body under
 * some configured secret (compared in constant time), and its timestamp must
 * be within the tolerance of `nowSeconds`. The timestamp is checked after
 * the signature, so a forged request learns nothing about the window.
 * Returns the signed timestamp.
 */
export function verifySignature(rawBody: Uint8Array, header: string, keys: SignatureKeys, nowSeconds: number): number {
  const { timestamp, signatures } = parseSignatureHeader(header);
  const matches = keys.secrets.some((secret) => {
    const expected = Buffer.from(computeSignature(timestamp, rawBody, secret), "hex");
    return signatures.some((signature) => timingSafeEqual(expected, Buffer.from(signature, "hex")));
  });
  if (!matches) throw new SignatureRefused("mismatch", "no v1 signature matches the body under any configured signing secret");
  if (Math.abs(nowSeconds - timestamp) > keys.toleranceSeconds) {
    throw new SignatureRefused("timestamp_outside_tolerance", `the signature's timestamp is more than ${keys.toleranceSeconds} s from now`);
  }
  return timestamp;
}
