import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";

// Leaderboards page by rank offset; the scope is the board. A board changes
// between pages, so a character may show twice or not at all across pages:
// the price of a live ranking.

/** The token of the page starting at `offset`. */
export function encodeBoardPageToken(board: Board, offset: number): string {
  return encodePageToken(`board:${board}`, offset);
}

/** The offset to continue from (0 for the first page). */
export function decodeBoardPageToken(board: Board, token: string): number {
  return decodePageToken(`board:${board}`, token, (c): c is number => Number.isSafeInteger(c) && (c as number) >= 0) ?? 0;
}
