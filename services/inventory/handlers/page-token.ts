import { decodePageToken, encodePageToken } from "@chaos/mesh/server";

// Ledger listings page by entry position, newest first; the scope is the character.

/** The token of the page after `beforeSeq`. */
export function encodeLedgerPageToken(characterId: string, beforeSeq: bigint): string {
  return encodePageToken(`ledger:${characterId}`, beforeSeq.toString());
}

/** The position to continue below, or undefined for the first page. */
export function decodeLedgerPageToken(characterId: string, token: string): bigint | undefined {
  const cursor = decodePageToken(`ledger:${characterId}`, token, (c): c is string => typeof c === "string" && /^\d{1,19}$/.test(c));
  return cursor === undefined ? undefined : BigInt(cursor);
}
