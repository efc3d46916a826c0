import { toBinary, type Message } from "@bufbuild/protobuf";
import { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, defineService, jobQueueMigrations, registration } from "@chaos/mesh/server";
import { loadAnalyticsConfig } from "./config.js";
import { createAggregator } from "./core/aggregation.js";
import type { AnalyticsTransaction } from "./core/analytics-store.js";
import { createMetricQueries } from "./core/metric-queries.js";
import { metricTable, rememberedTable } from "./core/metric-table.js";
import { createRebuilds } from "./core/rebuilds.js";
import { analyticsErrors } from "./handlers/analytics-errors.js";
import { createAnalyticsHandlers } from "./handlers/analytics-service.js";
import { registerEconomyGauge } from "./metrics/economy-gauge.js";
import { createAnalyticsStore } from "./store/analytics-store.js";

const aggregator = createAggregator(metricTable, rememberedTable);

/**
 * The CQRS read side: every event the metric table reads is recorded (the
 * history) and applied to hourly aggregates in the inbox transaction that
 * consumes it; operators query them by hour or day and rebuild them from the
 * history in the background.
 */
export default defineService({
  name: "analytics",
  description: "The CQRS read side: aggregates of every domain's events, queried by hour or day and rebuilt from the recorded events.",
  port: 7480,
  // The operator rebuilds the aggregates after a restore (npm start does, scripts/lib/read-models.ts).
  serves: [{ service: AnalyticsService, public: {}, operatorMethods: ["startRebuild", "getRebuild"] }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url), meshTables: jobQueueMigrations } },
  publishes: ["rebuilds"],
  consumes: aggregator.topics,
  errors: analyticsErrors,
  settings: loadAnalyticsConfig,
  wire({ settings, db, source, logger, runtime }) {
    const store = createAnalyticsStore(db, source);
    registerEconomyGauge(runtime.metrics.registry, store);
    const queries = createMetricQueries(store, metricTable, settings);
    const rebuilds = createRebuilds(store, aggregator, { batchSize: settings.rebuildBatchSize, maxAttempts: settings.rebuildMaxAttempts }, source, logger);
    return {
      services: [registration(AnalyticsService, createAnalyticsHandlers(queries, rebuilds))],
      events: consumeEvents(
        store.within,
        aggregator.eventTypes.map(({ schema }) =>
          onEvent(schema, async (tx: AnalyticsTransaction, message, event) => {
            // ce_time is required by the mesh's publishers; an event without one counts at the time it arrived.
            const eventTime = event.time === "" ? new Date() : new Date(event.time);
            const recorded = await tx.recordFact({ eventId: event.id, eventType: schema.typeName, eventTime, payload: toBinary(schema, message as Message) });
            if (!recorded) return;
            await aggregator.apply(tx.aggregates(await tx.liveGeneration()), schema, message as Message, eventTime);
          }),
        ),
      ),
      jobs: { handlers: rebuilds.jobs, maxAttempts: settings.rebuildMaxAttempts, initialBackoffMs: 500 },
    };
  },
});
