import { createHmac, timingSafeEqual } from "node:crypto";

/** The header a webhook delivery is signed in. */
export const signatureHeader = "Chaos-Signature";

/**
 * Signs a webhook body the way Stripe signs its webhooks: the header value is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with one v1=
 * per secret, so a receiver that holds any of them (before or after a
 * rotation) can verify it.
 */
export function signWebhook(body: string, secrets: readonly string[], timestampSeconds: number): string {
  return [`t=${timestampSeconds}`, ...secrets.map((secret) => `v1=${hmac(secret, timestampSeconds, body)}`)].join(",");
}

/** Why a signature was refused. */
export type SignatureProblem = "malformed" | "no_matching_signature" | "outside_tolerance";

/** Options of {@link verifyWebhookSignature}; every field has a documented default. */
export interface VerifyOptions {
  /** How old (or how far in the future) the timestamp may be, against replays. Default 300 s. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock. Default now. */
  readonly nowSeconds?: number;
}

/**
 * What a receiver runs on the raw body (before any JSON parsing): the
 * signature is valid when one v1= matches the secret, compared in constant
 * time, and its timestamp is within the tolerance. Returns undefined when it
 * is valid, or why not.
 */
export function verifyWebhookSignature(header: string, body: string, secret: string, options: VerifyOptions = {}): SignatureProblem | undefined {
  const pairs = header.split(",").map((part) => part.trim().split("="));
  const timestamps = pairs.filter(([key]) => key === "t").map(([, value]) => value ?? "");
  const signatures = pairs.filter(([key, value]) => key === "v1" && value !== undefined && /^[0-9a-f]{64}$/.test(value)).map(([, value]) => value!);
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]!) || signatures.length === 0) return "malformed";
  const timestamp = Number(timestamps[0]);
  const expected = Buffer.from(hmac(secret, timestamp, body), "hex");
  if (!signatures.some((signature) => timingSafeEqual(Buffer.from(signature, "hex"), expected))) return "no_matching_signature";
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return "outside_tolerance";
  return undefined;
}

function hmac(secret: string, timestampSeconds: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampSeconds}.${body}`, "utf8").digest("hex");
}
