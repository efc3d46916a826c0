import { decodePageToken, encodePageToken } from "@chaos/mesh/server";

// Ledger listings page by entry position, newest first. The scope names the listing (a character's
// wallet on the public face, an account on the internal one), so a token works only where it was issued.

/** Ledger listings without a page size get this many entries per page. */
export const defaultLedgerPageSize = 20;

/** The token of the page after `beforeSeq`. */
export function encodeLedgerPageToken(scope: string, beforeSeq: bigint): string {
  return encodePageToken(`ledger:${scope}`, beforeSeq.toString());
}

/** The position to continue below, or undefined for the first page. */
export function decodeLedgerPageToken(scope: string, token: string): bigint | undefined {
  const cursor = decodePageToken(`ledger:${scope}`, token, (c): c is string => typeof c === "string" && /^\d{1,19}$/.test(c));
  return cursor === undefined ? undefined : BigInt(cursor);
}
