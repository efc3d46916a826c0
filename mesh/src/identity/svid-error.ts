/** Why a certificate or XFCC header does not establish a workload identity; stable, for logs and tests to branch on. */
export type SvidErrorReason =
  | "no-certificate"
  | "malformed-certificate"
  | "no-uri-san"
  | "multiple-uri-sans"
  | "malformed-id"
  | "wrong-trust-domain"
  | "is-ca"
  | "bad-key-usage"
  | "expired"
  | "not-yet-valid"
  | "malformed-xfcc";

/** A certificate or XFCC header that does not establish a workload identity. */
export class SvidError extends Error {
  constructor(
    /** Machine-readable cause; the message is for people. */
    readonly reason: SvidErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "SvidError";
  }
}
