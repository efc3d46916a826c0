import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { EventCursor } from "../core/liveops-store.js";

// Events page by (start, id), newest first; leaderboards by offset (a ranking moves between pages anyway).

export function encodeEventPageToken(state: number, cursor: EventCursor): string {
  return encodePageToken(`live-events:${state}`, [cursor.startsAt.toISOString(), cursor.eventId]);
}

export function decodeEventPageToken(state: number, token: string): EventCursor | undefined {
  const cursor = decodePageToken(
    `live-events:${state}`,
    token,
    (c): c is [string, string] => Array.isArray(c) && c.length === 2 && typeof c[0] === "string" && !Number.isNaN(Date.parse(c[0])) && typeof c[1] === "string",
  );
  return cursor === undefined ? undefined : { startsAt: new Date(cursor[0]), eventId: cursor[1] };
}

export function encodeLeaderboardPageToken(instanceId: string, offset: number): string {
  return encodePageToken(`leaderboard:${instanceId}`, offset);
}

export function decodeLeaderboardPageToken(instanceId: string, token: string): number {
  return decodePageToken(`leaderboard:${instanceId}`, token, (c): c is number => Number.isSafeInteger(c) && (c as number) >= 0) ?? 0;
}
