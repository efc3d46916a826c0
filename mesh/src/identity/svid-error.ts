/** Why a certificate or header is not a valid workload identity. */
export type SvidErrorReason =
  | "no-uri-san"
  | "multiple-uri-sans"
  | "malformed-id"
  | "wrong-trust-domain"
  | "is-ca"
  | "expired"
  | "not-yet-valid"
  | "malformed-certificate"
  | "malformed-xfcc";

/** A certificate or XFCC header that does not establish a workload identity. */
export class SvidError extends Error {
  constructor(readonly reason: SvidErrorReason, message: string) {
    super(message);
    this.name = "SvidError";
  }
}
