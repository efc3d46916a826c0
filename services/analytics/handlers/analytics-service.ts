import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { Bucket, MetricDescriptionSchema, RebuildSchema, RebuildState, type MetricDescription, type Rebuild } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import type { RebuildRecord } from "../core/analytics-store.js";
import type { MetricDefinition } from "../core/metric-definition.js";
import type { MetricQueries } from "../core/metric-queries.js";
import type { Rebuilds } from "../core/rebuilds.js";
import { requireAdmin } from "./admin-only.js";
import { decodeGroupPageToken, encodeGroupPageToken } from "./page-token.js";

/** Series per page unless the request says. */
const defaultPageSize = 20;

const states: Record<RebuildRecord["state"], RebuildState> = { running: RebuildState.RUNNING, succeeded: RebuildState.SUCCEEDED, failed: RebuildState.FAILED };

function describe(definition: MetricDefinition): MetricDescription {
  return create(MetricDescriptionSchema, {
    name: definition.name,
    description: definition.description,
    unit: definition.unit,
    aggregation: definition.aggregation,
    dimensions: [...definition.dimensions],
    eventTypes: [...new Set(definition.sources.map((s) => s.schema.typeName))],
  });
}

function rebuildMessage(rebuild: RebuildRecord): Rebuild {
  return create(RebuildSchema, {
    rebuildId: rebuild.rebuildId,
    state: states[rebuild.state],
    eventsTotal: rebuild.eventsTotal,
    eventsReplayed: rebuild.eventsReplayed,
    startTime: timestampFromDate(rebuild.startTime),
    finishTime: rebuild.finishTime === undefined ? undefined : timestampFromDate(rebuild.finishTime),
    failureMessage: rebuild.failureMessage,
  });
}

/** The AnalyticsService handlers: admins only, every answer from the aggregates. */
export function createAnalyticsHandlers(queries: MetricQueries, rebuilds: Rebuilds): Partial<ServiceImpl<typeof AnalyticsService>> {
  return {
    listMetrics(_request, context) {
      requireAdmin(context);
      return { metrics: queries.catalog.map(describe) };
    },
    async queryMetric(request, context) {
      requireAdmin(context);
      const afterGroup = decodeGroupPageToken(request.metric, request.groupBy, request.pageToken);
      const answer = await queries.query({
        metric: request.metric,
        start: timestampDate(request.startTime!),
        end: timestampDate(request.endTime!),
        // The contract's validation admits HOUR and DAY only.
        bucket: request.bucket as Bucket.HOUR | Bucket.DAY,
        groupBy: request.groupBy === "" ? undefined : request.groupBy,
        filters: request.filters,
        pageSize: request.pageSize || defaultPageSize,
        afterGroup,
      });
      return {
        metric: describe(answer.definition),
        bucket: request.bucket,
        startTime: timestampFromDate(answer.start),
        endTime: timestampFromDate(answer.end),
        series: answer.series.map((s) => ({
          group: s.group,
          total: s.total,
          points: s.points.map((p) => ({ bucketStartTime: timestampFromDate(p.bucketStart), value: p.value, samples: p.samples })),
        })),
        nextPageToken: answer.lastGroup === undefined ? "" : encodeGroupPageToken(request.metric, request.groupBy, answer.lastGroup),
      };
    },
    async startRebuild(_request, context) {
      requireAdmin(context);
      return { rebuild: rebuildMessage(await rebuilds.start()) };
    },
    async getRebuild(request, context) {
      requireAdmin(context);
      return { rebuild: rebuildMessage(await rebuilds.get(request.rebuildId)) };
    },
  };
}
