import { parseSpiffeId, type SpiffeId } from "./spiffe-id.js";

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

/** How {@link singleSpiffeId} words its refusals for where the URIs came from. */
export interface UriSourceWording {
  readonly none: string;
  readonly many: (count: number) => string;
}

/**
 * The single SPIFFE ID among `uris` (a certificate's URI SANs, or an XFCC
 * element's URIs), required to be well formed and in `trustDomain`.
 */
export function singleSpiffeId(uris: readonly string[], trustDomain: string, wording: UriSourceWording): SpiffeId {
  if (uris.length === 0) throw new SvidError("no-uri-san", wording.none);
  if (uris.length > 1) throw new SvidError("multiple-uri-sans", wording.many(uris.length));
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uris[0]!);
  } catch (error) {
    throw new SvidError("malformed-id", (error as Error).message);
  }
  if (id.trustDomain !== trustDomain) throw new SvidError("wrong-trust-domain", `SPIFFE ID ${id.uri} is not in trust domain ${trustDomain}`);
  return id;
}
