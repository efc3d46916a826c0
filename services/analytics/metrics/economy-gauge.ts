import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { Gauge, type Registry } from "prom-client";
import type { AnalyticsStore } from "../core/analytics-store.js";

/** The metric table's two economy metrics, and the flow each is on the gauge. */
const flows = [
  { metric: "inventory.gold_minted", flow: "minted" },
  { metric: "inventory.gold_sunk", flow: "sunk" },
] as const;

/** Far enough: every hour bucket analytics holds. */
const allTime = { start: new Date(0), end: new Date(Date.UTC(9999, 0, 1)) };

/** Most ledger kinds per flow read per scrape (there are four today). */
const maxKinds = 50;

/**
 * Gold minted and sunk since the world began, by ledger kind, for
 * Prometheus and the business dashboard: read at scrape time from the
 * hourly aggregates analytics keeps anyway (one small indexed read per flow),
 * so every replica reports the same figure, the one GetMetricSeries answers,
 * without a counter of its own that a retried transaction would count twice.
 * It only grows, except when a rebuild makes a new generation live (Prometheus
 * takes a drop for a reset). When the database cannot answer, the gauge keeps
 * its last values rather than failing the whole scrape.
 */
export function registerEconomyGauge(registry: Registry, store: AnalyticsStore): void {
  new Gauge({
    name: "chaos_economy_gold",
    help: "Gold created (flow=minted: grants, purchases) and destroyed (flow=sunk: spends, clawbacks) since the world began, by ledger kind, from analytics' aggregates.",
    labelNames: ["flow", "kind"],
    registers: [registry],
    async collect() {
      try {
        const generation = await store.liveGeneration();
        for (const { metric, flow } of flows) {
          const selection = { metric, aggregation: Aggregation.SUM, generation, bucket: "hour" as const, ...allTime, groupBy: "kind", filters: {} };
          const kinds = await store.groups(selection, undefined, maxKinds);
          for (const total of await store.totals(selection, kinds)) this.set({ flow, kind: total.group }, Number(total.value));
        }
      } catch {
        // The last values stand until the database answers again.
      }
    },
  });
}
