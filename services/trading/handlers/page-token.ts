import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { TradeCursor } from "../core/trade-store.js";

// A character's trades page by (creation time, id), newest first: a trade
// made between two pages shows on neither of the later ones, never twice.

export function encodeTradePageToken(characterId: string, cursor: TradeCursor): string {
  return encodePageToken(`trades:${characterId}`, [cursor.createdAt.toISOString(), cursor.tradeId]);
}

export function decodeTradePageToken(characterId: string, token: string): TradeCursor | undefined {
  const cursor = decodePageToken(
    `trades:${characterId}`,
    token,
    (c): c is [string, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string",
  );
  return cursor === undefined ? undefined : { createdAt: new Date(cursor[0]), tradeId: cursor[1] };
}
