import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";

/** Milliseconds of a protobuf Duration (0 when absent). */
export function durationMs(duration: Duration | undefined): number {
  return duration === undefined ? 0 : Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1e6);
}

/** Epoch milliseconds of a protobuf Timestamp (0 when absent). */
export function timestampMs(timestamp: Timestamp | undefined): number {
  return timestamp === undefined ? 0 : Number(timestamp.seconds) * 1000 + Math.round(timestamp.nanos / 1e6);
}

/** How long until `ms` (epoch), in words: "in 9 min", "in 40 s"; "now" once it has passed. */
export function timeUntil(ms: number, now = Date.now()): string {
  const left = ms - now;
  if (left <= 0) return "now";
  if (left < 60_000) return `in ${Math.ceil(left / 1000)} s`;
  if (left < 3_600_000) return `in ${Math.ceil(left / 60_000)} min`;
  return `in ${Math.round(left / 3_600_000)} h`;
}
