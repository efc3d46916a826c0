import { decodePageToken, encodePageToken } from "@chaos/mesh/server";

// Zone listings page by (lower-case) name; the scope is the zone.

/** The token of the page after the character named `lastName`. */
export function encodeZonePageToken(zoneId: string, lastName: string): string {
  return encodePageToken(`zone:${zoneId}`, lastName.toLowerCase());
}

/** The name to continue after, or undefined for the first page. */
export function decodeZonePageToken(zoneId: string, token: string): string | undefined {
  return decodePageToken(`zone:${zoneId}`, token, (c): c is string => typeof c === "string");
}
