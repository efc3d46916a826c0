import { describe, expect, it } from "vitest";
import { Bucket } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { bucketCount, bucketRange, bucketStart, hourOf } from "./buckets.js";

const at = (iso: string) => new Date(iso);

describe("buckets", () => {
  it("puts a time in the UTC hour and day that hold it", () => {
    expect(hourOf(at("2026-12-02T14:59:59.999Z"))).toEqual(at("2026-12-02T14:00:00Z"));
    expect(hourOf(at("2026-12-02T15:00:00Z"))).toEqual(at("2026-12-02T15:00:00Z"));
    expect(bucketStart(at("2026-12-02T23:59:59Z"), Bucket.DAY)).toEqual(at("2026-12-02T00:00:00Z"));
    expect(bucketStart(at("2026-03-29T01:30:00Z"), Bucket.DAY)).toEqual(at("2026-03-29T00:00:00Z"));
  });

  it("rounds a range out to whole buckets and lists each bucket once", () => {
    const range = bucketRange(at("2026-12-02T10:15:00Z"), at("2026-12-02T12:00:01Z"), Bucket.HOUR)!;
    expect(range.start).toEqual(at("2026-12-02T10:00:00Z"));
    expect(range.end).toEqual(at("2026-12-02T13:00:00Z"));
    expect(range.buckets.map((b) => b.toISOString())).toEqual(["2026-12-02T10:00:00.000Z", "2026-12-02T11:00:00.000Z", "2026-12-02T12:00:00.000Z"]);
    expect(bucketCount(at("2026-12-02T10:15:00Z"), at("2026-12-02T12:00:01Z"), Bucket.HOUR)).toBe(3);
  });

  it("keeps a range already on bucket edges as it is", () => {
    const range = bucketRange(at("2026-12-01T00:00:00Z"), at("2026-12-08T00:00:00Z"), Bucket.DAY)!;
    expect(range.buckets).toHaveLength(7);
    expect(range.end).toEqual(at("2026-12-08T00:00:00Z"));
    expect(bucketCount(at("2026-12-01T00:00:00Z"), at("2026-12-08T00:00:00Z"), Bucket.DAY)).toBe(7);
  });

  it("has no buckets for an empty or reversed range", () => {
    expect(bucketRange(at("2026-12-02T10:00:00Z"), at("2026-12-02T10:00:00Z"), Bucket.HOUR)).toBeUndefined();
    expect(bucketRange(at("2026-12-02T11:00:00Z"), at("2026-12-02T10:00:00Z"), Bucket.DAY)).toBeUndefined();
    expect(bucketCount(at("2026-12-02T11:00:00Z"), at("2026-12-02T10:00:00Z"), Bucket.DAY)).toBe(0);
  });

  it("counts a year of hours without listing them", () => {
    expect(bucketCount(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"), Bucket.HOUR)).toBe(365 * 24);
  });
});
