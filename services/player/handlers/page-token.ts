import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Zone listings page by (lower-case) name. The token is opaque to clients —
 * base64url JSON of the zone and the last name — so its form can change;
 * the zone inside it stops a token from being replayed against another zone.
 */
export function encodePageToken(zoneId: string, lastName: string): string {
  return Buffer.from(JSON.stringify({ z: zoneId, n: lastName.toLowerCase() })).toString("base64url");
}

/** The name to continue after; INVALID_ARGUMENT for a token this listing did not issue. */
export function decodePageToken(zoneId: string, token: string): string | undefined {
  if (token === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const cursor = parsed as { z?: unknown; n?: unknown } | undefined;
  if (typeof cursor !== "object" || cursor === null || cursor.z !== zoneId || typeof cursor.n !== "string") {
    throw new ConnectError("page_token is not a token of this listing", Code.InvalidArgument);
  }
  return cursor.n;
}
