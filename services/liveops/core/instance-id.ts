import { createHash } from "node:crypto";
import type { Window } from "./live-event-records.js";

/**
 * An occurrence's id, derived from its event and start (a name-based UUID,
 * version 5 layout): the same occurrence has the same id whether a join or
 * the schedule job makes its row first, and on every replica, with no
 * lookup. GetLiveEvent can name an occurrence that has no row yet.
 */
export function instanceIdOf(eventId: string, window: Window): string {
  const hash = createHash("sha1").update(`liveops-instance:${eventId}:${window.startsAt.toISOString()}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
