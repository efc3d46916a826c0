import { Aggregation, Bucket } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/analytics/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { AnalyticsStore, SeriesSelection, StoredPoint } from "./analytics-store.js";
import { bucketCount, bucketRange } from "./buckets.js";
import type { Dimensions, MetricDefinition } from "./metric-definition.js";

/** A query as the handler read it. */
export interface MetricQuery {
  readonly metric: string;
  readonly start: Date;
  readonly end: Date;
  readonly bucket: Bucket.HOUR | Bucket.DAY;
  readonly groupBy?: string;
  readonly filters: Dimensions;
  readonly pageSize: number;
  /** The last group of the previous page. */
  readonly afterGroup?: string;
}

/** One point of a series, as the API reports it. */
export interface SeriesPoint {
  readonly bucketStart: Date;
  readonly value: number;
  readonly samples: bigint;
}

/** A page of series. */
export interface MetricAnswer {
  readonly definition: MetricDefinition;
  readonly start: Date;
  readonly end: Date;
  readonly series: ReadonlyArray<{ readonly group: string; readonly points: readonly SeriesPoint[]; readonly total: number }>;
  /** Set when there are more groups after this page. */
  readonly lastGroup?: string;
}

/** How many buckets one query may return per series. */
export interface QueryLimits {
  readonly maxHourBuckets: number;
  readonly maxDayBuckets: number;
}

/** A stored aggregate as the API value: MEAN divides the sum by the samples. */
function valueOf(aggregation: Aggregation, point: Pick<StoredPoint, "value" | "samples">): number {
  if (aggregation === Aggregation.MEAN) return point.samples === 0n ? 0 : Number(point.value) / Number(point.samples);
  return Number(point.value);
}

/** Answers metric queries from the live generation of the aggregates, after checking them against the catalog and the limits. */
export function createMetricQueries(store: AnalyticsStore, catalog: readonly MetricDefinition[], limits: QueryLimits) {
  const byName = new Map(catalog.map((m) => [m.name, m]));

  function dimensionOf(definition: MetricDefinition, dimension: string): void {
    if (!definition.dimensions.includes(dimension)) {
      throw new DomainError(
        ErrorReason.UNKNOWN_DIMENSION,
        definition.dimensions.length === 0 ? `${definition.name} has no dimensions` : `${definition.name} has no dimension "${dimension}"; it has ${definition.dimensions.join(", ")}`,
        { dimension, dimensions: definition.dimensions.join(",") },
      );
    }
  }

  return {
    catalog,
    async query(query: MetricQuery): Promise<MetricAnswer> {
      const definition = byName.get(query.metric);
      if (definition === undefined) throw new DomainError(ErrorReason.UNKNOWN_METRIC, `no metric "${query.metric}"; ListMetrics lists them`, { metric: query.metric });
      if (query.groupBy !== undefined) dimensionOf(definition, query.groupBy);
      for (const dimension of Object.keys(query.filters)) dimensionOf(definition, dimension);
      if (query.end.getTime() <= query.start.getTime()) throw new DomainError(ErrorReason.INVALID_TIME_RANGE, "end_time must be after start_time");
      const maxBuckets = query.bucket === Bucket.HOUR ? limits.maxHourBuckets : limits.maxDayBuckets;
      if (bucketCount(query.start, query.end, query.bucket) > maxBuckets) {
        throw new DomainError(ErrorReason.TIME_RANGE_TOO_WIDE, `at most ${maxBuckets} ${query.bucket === Bucket.HOUR ? "hours" : "days"} per query`, { max_buckets: String(maxBuckets) });
      }
      const range = bucketRange(query.start, query.end, query.bucket)!;
      const selection: SeriesSelection = {
        metric: definition.name,
        aggregation: definition.aggregation,
        generation: await store.liveGeneration(),
        bucket: query.bucket === Bucket.HOUR ? "hour" : "day",
        start: range.start,
        end: range.end,
        groupBy: query.groupBy,
        filters: query.filters,
      };
      const groups = await store.groups(selection, query.afterGroup, query.pageSize + 1);
      const page = groups.slice(0, query.pageSize);
      const [points, totals] = await Promise.all([store.points(selection, page), store.totals(selection, page)]);
      const stored = new Map(points.map((p) => [`${p.group}\u0000${p.bucketStart.getTime()}`, p]));
      const totalOf = new Map(totals.map((t) => [t.group, t]));
      return {
        definition,
        start: range.start,
        end: range.end,
        series: page.map((group) => ({
          group,
          points: range.buckets.map((bucketStart) => {
            const point = stored.get(`${group}\u0000${bucketStart.getTime()}`);
            return { bucketStart, value: point === undefined ? 0 : valueOf(definition.aggregation, point), samples: point?.samples ?? 0n };
          }),
          total: valueOf(definition.aggregation, totalOf.get(group) ?? { value: 0n, samples: 0n }),
        })),
        lastGroup: groups.length > query.pageSize ? page.at(-1) : undefined,
      };
    },
  };
}

export type MetricQueries = ReturnType<typeof createMetricQueries>;
