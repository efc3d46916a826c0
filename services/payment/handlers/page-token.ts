import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { ListCursor } from "../core/payment-store.js";

// Orders and refunds page by (creation time, id), newest first; a token belongs to the listing (scope) that issued it.

export const encodeListPageToken = (scope: string, cursor: ListCursor) => encodePageToken(scope, [cursor.createdAt.toISOString(), cursor.id]);

export function decodeListPageToken(scope: string, token: string): ListCursor | undefined {
  const cursor = decodePageToken(
    scope,
    token,
    (c): c is [string, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string",
  );
  return cursor === undefined ? undefined : { createdAt: new Date(cursor[0]), id: cursor[1] };
}
