import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Page tokens of list methods (AIP-158): opaque to clients — base64url JSON
 * of the listing's scope (the zone, the board, the character) and where the
 * last page ended — so their form can change without a contract change. The
 * scope inside stops a token issued for one listing from being replayed
 * against another.
 */
export function encodePageToken(scope: string, cursor: unknown): string {
  return Buffer.from(JSON.stringify({ s: scope, c: cursor })).toString("base64url");
}

/**
 * Where the previous page ended, or undefined for the first page (an empty
 * token). A token this listing did not issue, or whose cursor `isCursor`
 * rejects, is INVALID_ARGUMENT.
 */
export function decodePageToken<T>(scope: string, token: string, isCursor: (cursor: unknown) => cursor is T): T | undefined {
  if (token === "") return undefined;
  let parsed: { s?: unknown; c?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || parsed.s !== scope || !isCursor(parsed.c)) {
    throw new ConnectError("page_token is not a token of this listing", Code.InvalidArgument);
  }
  return parsed.c;
}
