import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { PageCursor } from "../core/records.js";

// Listings page by (creation time, id), newest first: a row made between two
// pages shows on neither of the later ones, never twice.

const isCursor = (c: unknown): c is [string, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string";

/** The token of the page after `cursor` in the listing `scope` (e.g. "notifications:<player>"). */
export function encodeCursor(scope: string, cursor: PageCursor): string {
  return encodePageToken(scope, [cursor.createdAt.toISOString(), cursor.id]);
}

/** Where the previous page of `scope` ended; INVALID_ARGUMENT for a token of another listing. */
export function decodeCursor(scope: string, token: string): PageCursor | undefined {
  const cursor = decodePageToken(scope, token, isCursor);
  return cursor === undefined ? undefined : { createdAt: new Date(cursor[0]), id: cursor[1] };
}
