import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";

/** Milliseconds of a protobuf Duration (0 when absent). */
export function durationMs(duration: Duration | undefined): number {
  return duration === undefined ? 0 : Number(duration.seconds) * 1000 + Math.round(duration.nanos / 1e6);
}

/** Epoch milliseconds of a protobuf Timestamp (0 when absent). */
export function timestampMs(timestamp: Timestamp | undefined): number {
  return timestamp === undefined ? 0 : Number(timestamp.seconds) * 1000 + Math.round(timestamp.nanos / 1e6);
}
