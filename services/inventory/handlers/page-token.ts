import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Ledger listings page by entry position, newest first. The token is opaque
 * to clients — base64url JSON of the character and the last position seen —
 * and the character inside it stops a token being replayed against another
 * character's ledger.
 */
export function encodePageToken(characterId: string, beforeSeq: bigint): string {
  return Buffer.from(JSON.stringify({ c: characterId, s: beforeSeq.toString() })).toString("base64url");
}

/** The position to continue below; INVALID_ARGUMENT for a token this listing did not issue. */
export function decodePageToken(characterId: string, token: string): bigint | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const cursor = parsed as { c?: unknown; s?: unknown } | undefined;
  if (typeof cursor !== "object" || cursor === null || cursor.c !== characterId || typeof cursor.s !== "string" || !/^\d{1,19}$/.test(cursor.s)) {
    throw new ConnectError("page_token is not a token of this listing", Code.InvalidArgument);
  }
  return BigInt(cursor.s);
}
