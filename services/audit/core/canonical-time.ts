import { create } from "@bufbuild/protobuf";
import { TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";

/**
 * Times in the audit log are RFC 3339 UTC with exactly six fractional
 * digits ("2026-12-02T07:16:41.123456Z"): PostgreSQL keeps microseconds, and
 * the hash is computed over this text, so finer digits are cut off (not
 * rounded) before anything is hashed or stored.
 */
const canonical = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

/** The canonical text of a protobuf Timestamp. */
export function canonicalTimeOf(timestamp: Timestamp): string {
  const date = new Date(Number(timestamp.seconds) * 1000);
  const micros = Math.floor(timestamp.nanos / 1000);
  return `${date.toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}Z`;
}

/** The canonical text of a JavaScript time (milliseconds). */
export function canonicalTimeOfMs(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

/** The protobuf Timestamp of canonical text. */
export function timestampOfCanonical(text: string): Timestamp {
  const match = canonical.exec(text);
  if (match === null) throw new Error(`not a canonical audit time: ${text}`);
  const seconds = Math.floor(Date.parse(`${text.slice(0, 19)}Z`) / 1000);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos: Number(match[7]) * 1000 });
}

/** The UTC day (YYYY-MM-DD) of canonical text. */
export function dayOf(text: string): string {
  return text.slice(0, 10);
}
