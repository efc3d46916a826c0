import { Bucket } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Width of a bucket in milliseconds: hours and days in UTC (no daylight saving, so a day is always 24 hours). */
export function bucketMs(bucket: Bucket.HOUR | Bucket.DAY): number {
  return bucket === Bucket.HOUR ? hourMs : dayMs;
}

/** The start of the bucket holding `time`. */
export function bucketStart(time: Date, bucket: Bucket.HOUR | Bucket.DAY): Date {
  const width = bucketMs(bucket);
  return new Date(Math.floor(time.getTime() / width) * width);
}

/** The hour an event is aggregated in: every metric is kept per hour, and days are summed (or, for distinct members, counted) from hours. */
export function hourOf(time: Date): Date {
  return bucketStart(time, Bucket.HOUR);
}

/** A range made whole buckets: its start rounded down, its end rounded up. */
export interface BucketedRange {
  readonly start: Date;
  readonly end: Date;
  /** Every bucket start in [start, end), oldest first. */
  readonly buckets: readonly Date[];
}

/**
 * Rounds [start, end) out to whole buckets; undefined for an empty or
 * reversed range. A caller checks the bucket count before asking for the
 * list (`bucketCount`), so a range of years in hours is never built.
 */
export function bucketRange(start: Date, end: Date, bucket: Bucket.HOUR | Bucket.DAY): BucketedRange | undefined {
  if (end.getTime() <= start.getTime()) return undefined;
  const width = bucketMs(bucket);
  const first = bucketStart(start, bucket).getTime();
  const last = Math.ceil(end.getTime() / width) * width;
  const buckets: Date[] = [];
  for (let at = first; at < last; at += width) buckets.push(new Date(at));
  return { start: new Date(first), end: new Date(last), buckets };
}

/** How many buckets [start, end) spans once rounded out (0 when empty or reversed). */
export function bucketCount(start: Date, end: Date, bucket: Bucket.HOUR | Bucket.DAY): number {
  if (end.getTime() <= start.getTime()) return 0;
  const width = bucketMs(bucket);
  return Math.ceil(end.getTime() / width) - Math.floor(start.getTime() / width);
}
