import { Code, ConnectError } from "@connectrpc/connect";
import type { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";

/**
 * Leaderboards page by rank offset. The token is opaque to clients —
 * base64url JSON of the board and the offset — and the board inside it stops
 * a token from being replayed against another board. A board changes between
 * pages, so a character may show twice or not at all across pages: the price
 * of a live ranking.
 */
export function encodePageToken(board: Board, offset: number): string {
  return Buffer.from(JSON.stringify({ b: board, o: offset })).toString("base64url");
}

/** The offset to continue from; INVALID_ARGUMENT for a token this listing did not issue. */
export function decodePageToken(board: Board, token: string): number {
  if (token === "") return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const cursor = parsed as { b?: unknown; o?: unknown } | undefined;
  if (typeof cursor !== "object" || cursor === null || cursor.b !== board || !Number.isSafeInteger(cursor.o) || (cursor.o as number) < 0) {
    throw new ConnectError("page_token is not a token of this listing", Code.InvalidArgument);
  }
  return cursor.o as number;
}
