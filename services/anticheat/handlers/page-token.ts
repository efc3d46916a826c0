import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { Cursor } from "../core/anticheat-store.js";

// Signals page newest first and cases oldest first, both by (time, id); the scope ties a token to its listing.

const isCursor = (c: unknown): c is [string, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string";

export function encodeCursor(scope: string, cursor: Cursor): string {
  return encodePageToken(scope, [cursor.at.toISOString(), cursor.id]);
}

/** The cursor, undefined for the first page; a token of another listing is INVALID_ARGUMENT. */
export function decodeCursor(scope: string, token: string): Cursor | undefined {
  const cursor = decodePageToken(scope, token, isCursor);
  return cursor === undefined ? undefined : { at: new Date(cursor[0]), id: cursor[1] };
}
