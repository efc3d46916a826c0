import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import type { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { Bucket, RebuildState, type Rebuild } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { createTimeChart, type ChartLine, type TimeChart } from "./chart.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { poll } from "./poll.js";
import { timestampMs } from "./time.js";

const refreshMs = 15_000;
const rebuildPollMs = 1_000;
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The ranges an operator picks from: a day by hour, two weeks by day. */
const ranges = {
  day: { label: "Last 24 hours, by hour", bucket: Bucket.HOUR, spanMs: dayMs, widthMs: hourMs },
  fortnight: { label: "Last 14 days, by day", bucket: Bucket.DAY, spanMs: 14 * dayMs, widthMs: dayMs },
} as const;
type RangeName = keyof typeof ranges;

/** One query of a chart: a metric, split by a dimension (one line per value) or drawn as one labelled line. */
interface ChartQuery {
  readonly metric: string;
  readonly groupBy?: string;
  readonly label?: string;
  readonly color?: string;
}

/** The dashboard's charts. Another chart is one entry (the metric names are ListMetrics'). */
const chartSpecs: ReadonlyArray<{ readonly title: string; readonly unit: string; readonly queries: readonly ChartQuery[] }> = [
  { title: "Casts by spell", unit: "casts", queries: [{ metric: "combat.casts", groupBy: "spell" }] },
  { title: "Defeats by spell", unit: "defeats", queries: [{ metric: "combat.defeats", groupBy: "spell" }] },
  {
    title: "Gold minted vs sunk",
    unit: "gold",
    queries: [
      { metric: "inventory.gold_minted", label: "minted", color: "--gold" },
      { metric: "inventory.gold_sunk", label: "sunk", color: "--blood" },
    ],
  },
  {
    title: "Registrations and active players",
    unit: "accounts, players",
    queries: [
      { metric: "identity.registrations", label: "registrations", color: "--ok" },
      { metric: "players.active", label: "active players", color: "--frost" },
    ],
  },
  {
    title: "Matches",
    unit: "matches",
    queries: [
      { metric: "matchmaking.matches_found", label: "found", color: "--arcane" },
      { metric: "matchmaking.matches_completed", label: "completed", color: "--ember" },
    ],
  },
  { title: "Trades by outcome", unit: "trades", queries: [{ metric: "trading.trades", groupBy: "outcome" }] },
  // Minor units of each currency: one line per currency, never summed across them.
  { title: "Revenue by currency", unit: "minor units", queries: [{ metric: "payment.revenue", groupBy: "currency" }] },
  { title: "Anticheat actions by kind", unit: "actions", queries: [{ metric: "anticheat.actions", groupBy: "kind" }] },
];

/** Colours of grouped lines, in group order. */
const palette = ["--ember", "--frost", "--arcane", "--gold", "--ok", "--mana", "--blood"];

/**
 * The operator dashboard (AnalyticsService, admins only): the aggregates the
 * read side keeps, charted by hour or day, and a rebuild of them from the
 * recorded events with its progress.
 */
export function createAnalyticsView(analytics: Client<typeof AnalyticsService>): View {
  const range = h(
    "select",
    { "data-testid": "analytics-range" },
    ...Object.entries(ranges).map(([value, r]) => h("option", { value }, r.label)),
  );
  const refresh = h("button", { type: "button", class: "ghost small", "data-testid": "analytics-refresh" }, "Refresh");
  const rebuild = h("button", { type: "button", class: "small", "data-testid": "analytics-rebuild" }, "Rebuild aggregates");
  const progress = h("progress", { max: 1, value: 0, hidden: true, "data-testid": "analytics-rebuild-progress" });
  const rebuildStatus = h("p", { class: "muted", role: "status", "data-testid": "analytics-rebuild-status" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "analytics-error" });
  const updated = h("p", { class: "muted", role: "status", "data-testid": "analytics-updated" }, "Loading…");
  const charts: TimeChart[] = chartSpecs.map((spec) => createTimeChart(spec.title, spec.unit));
  const element = h(
    "section",
    { class: "panel analytics-panel", "aria-labelledby": "analytics-title", "data-testid": "analytics-view" },
    h("h2", { id: "analytics-title" }, "Analytics"),
    h("div", { class: "analytics-controls" }, field("Range", range), refresh, h("div", { class: "analytics-rebuild" }, rebuild, progress, rebuildStatus)),
    alert,
    h("div", { class: "chart-grid" }, ...charts.map((chart) => chart.element)),
    updated,
  );

  /** Every series of a query over the range (following pages), as lines aligned on `times`. */
  async function linesOf(query: ChartQuery, times: readonly number[], rangeName: RangeName, colorOffset: number) {
    const { bucket, spanMs } = ranges[rangeName];
    const end = Date.now();
    const lines: ChartLine[] = [];
    const values: number[][] = [];
    let pageToken = "";
    do {
      const page = await analytics.queryMetric({
        metric: query.metric,
        bucket,
        groupBy: query.groupBy ?? "",
        startTime: timestampFromMs(end - spanMs),
        endTime: timestampFromMs(end),
        pageSize: 100,
        pageToken,
      });
      for (const series of page.series) {
        const byTime = new Map(series.points.map((p) => [timestampMs(p.bucketStartTime), p.value]));
        lines.push({ label: query.label ?? (series.group || "(none)"), color: query.color ?? palette[(colorOffset + lines.length) % palette.length]! });
        values.push(times.map((t) => byTime.get(t) ?? 0));
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    // A metric without events in the range still has its line (at zero) when it is a labelled one.
    if (lines.length === 0 && query.label !== undefined) {
      lines.push({ label: query.label, color: query.color ?? palette[colorOffset % palette.length]! });
      values.push(times.map(() => 0));
    }
    return { lines, values };
  }

  async function load(): Promise<void> {
    const rangeName = range.value as RangeName;
    const { spanMs, widthMs } = ranges[rangeName];
    const end = Date.now();
    const first = Math.floor((end - spanMs) / widthMs) * widthMs;
    const times: number[] = [];
    for (let t = first; t < end; t += widthMs) times.push(t);
    try {
      await Promise.all(
        chartSpecs.map(async (spec, index) => {
          const answers = await Promise.all(spec.queries.map((query, q) => linesOf(query, times, rangeName, q)));
          charts[index]!.draw(
            times,
            answers.flatMap((a) => a.lines),
            answers.flatMap((a) => a.values),
          );
        }),
      );
      showProblem(alert, undefined);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      showProblem(alert, error);
    }
  }

  function showRebuild(r: Rebuild): void {
    const total = Number(r.eventsTotal);
    progress.hidden = r.state !== RebuildState.RUNNING;
    progress.max = Math.max(1, total);
    progress.value = Number(r.eventsReplayed);
    element.dataset.rebuildState = RebuildState[r.state]?.toLowerCase() ?? "";
    rebuildStatus.textContent =
      r.state === RebuildState.RUNNING
        ? `Rebuilding: ${r.eventsReplayed} of ${r.eventsTotal} events replayed…`
        : r.state === RebuildState.SUCCEEDED
          ? `Rebuilt from ${r.eventsReplayed} recorded events.`
          : `The rebuild failed: ${r.failureMessage}`;
  }

  let stopRebuildPoll: (() => void) | undefined;
  async function startRebuild(): Promise<void> {
    rebuild.disabled = true;
    try {
      const { rebuild: started } = await analytics.startRebuild({});
      if (started === undefined) return;
      showRebuild(started);
      stopRebuildPoll?.();
      stopRebuildPoll = poll(async () => {
        const { rebuild: current } = await analytics.getRebuild({ rebuildId: started.rebuildId });
        if (current === undefined) return;
        showRebuild(current);
        if (current.state !== RebuildState.RUNNING) {
          stopRebuildPoll?.();
          rebuild.disabled = false;
          await load();
        }
      }, rebuildPollMs);
    } catch (error) {
      showProblem(alert, error);
      rebuild.disabled = false;
    }
  }

  range.addEventListener("change", () => void load());
  refresh.addEventListener("click", () => void load());
  rebuild.addEventListener("click", () => void startRebuild());
  const stop = poll(load, refreshMs);
  return {
    element,
    dispose() {
      stop();
      stopRebuildPoll?.();
      for (const chart of charts) chart.dispose();
    },
  };
}
