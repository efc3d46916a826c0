import { createTimeChart, type ChartLine, type TimeChart } from "./chart.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { poll } from "./poll.js";

const refreshMs = 15_000;
/** The charts' window and resolution: a quarter of an hour, a point per 15 s (Prometheus scrapes every 5 s). */
const windowS = 15 * 60;
const stepS = 15;

/** A chart of PromQL: one line per series, labelled by `legend` (a label of the series) or by `label`. */
interface ChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly query: string;
  readonly legend?: string;
  readonly label?: string;
}

/**
 * The technical and business charts an operator watches, from the metrics
 * every service exports (the Grafana dashboards in observability/grafana ask
 * the same). Per minute, not per second: the axes count whole calls.
 */
const chartSpecs: readonly ChartSpec[] = [
  { title: "Calls per minute by service", unit: "calls/min", query: "sum by (service) (rate(chaos_server_calls_total[1m])) * 60", legend: "service" },
  {
    title: "Failed calls per minute by service",
    unit: "calls/min",
    query: 'sum by (service) (rate(chaos_server_calls_total{code=~"Internal|Unknown|DataLoss|Unavailable|DeadlineExceeded"}[1m])) * 60',
    legend: "service",
  },
  {
    title: "Gateway p99 latency",
    unit: "ms",
    query: 'histogram_quantile(0.99, sum by (le) (rate(chaos_server_call_duration_seconds_bucket{service="gateway", face="edge"}[1m]))) * 1000',
    label: "p99",
  },
  { title: "Outbox backlog by service", unit: "events", query: "sum by (service) (chaos_outbox_unpublished_rows)", legend: "service" },
  { title: "Consumer lag by service", unit: "events", query: "sum by (service) (chaos_consumer_lag_messages)", legend: "service" },
  { title: "Gold minted and sunk", unit: "gold", query: "sum by (flow) (max by (flow, kind) (chaos_economy_gold))", legend: "flow" },
];

const palette = ["--ember", "--frost", "--arcane", "--gold", "--ok", "--mana", "--blood"];

/** Prometheus's answer to a range query. */
interface Matrix {
  readonly data?: { readonly result: ReadonlyArray<{ readonly metric: Readonly<Record<string, string>>; readonly values: ReadonlyArray<readonly [number, string]> }> };
  readonly error?: string;
}

interface Alert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: string;
}

/** One span of a trace as Jaeger answers it (times in µs). */
interface JaegerSpan {
  readonly spanID: string;
  readonly operationName: string;
  readonly processID: string;
  readonly startTime: number;
  readonly duration: number;
  readonly references: ReadonlyArray<{ readonly refType: string; readonly spanID: string }>;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: unknown }>;
}

interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

/** A JSON answer of the console server's /ops/ proxy, or an Error with its reason. */
async function ops<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${path} answered ${response.status}`);
  return body;
}

/**
 * The Operations page (admins): live charts from Prometheus, the alerts
 * firing, and recent calls from Jaeger, each opened as a waterfall of its
 * spans across the services (and on through Kafka to the services its
 * events reached). It reads through the console server (/ops/), so it needs
 * the tools npm start runs; without them it says what is missing.
 */
export function createOperationsView(available: { readonly metrics: boolean; readonly traces: boolean }): View {
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "operations-error" });
  const updated = h("p", { class: "muted", role: "status", "data-testid": "operations-updated" }, "Loading…");
  const charts: TimeChart[] = chartSpecs.map((spec) => createTimeChart(spec.title, spec.unit, "operations-chart"));
  const alerts = h("ul", { class: "operations-alerts", "data-testid": "operations-alerts" });
  const traceList = h("ul", { class: "trace-list", "data-testid": "trace-list" });
  // The gateway answers many calls (the console polls); an operation narrows the list to the calls one is after.
  const operation = h("input", { type: "search", placeholder: "any, or e.g. chaos.combat.v1.CombatService/CastSpell", "data-testid": "trace-operation", autocomplete: "off" });
  const waterfall = h("div", { class: "waterfall", "data-testid": "trace-waterfall", hidden: true });
  const refresh = h("button", { type: "button", class: "ghost small", "data-testid": "operations-refresh" }, "Refresh");
  const element = h(
    "section",
    { class: "panel operations-panel", "aria-labelledby": "operations-title", "data-testid": "operations-view" },
    h("h2", { id: "operations-title" }, "Operations"),
    h("div", { class: "analytics-controls" }, h("p", { class: "muted" }, "The last 15 minutes, from Prometheus; calls from Jaeger."), refresh),
    alert,
    available.metrics
      ? h("div", {}, h("div", { class: "chart-grid" }, ...charts.map((chart) => chart.element)), h("h3", {}, "Alerts"), alerts)
      : h("p", { class: "muted", "data-testid": "operations-no-metrics" }, "Prometheus is not running for this console, so there are no charts (npm start runs it)."),
    available.traces
      ? h("div", {}, h("h3", {}, "Recent calls at the gateway"), h("form", { class: "trace-filter", onsubmit: (event: Event) => (event.preventDefault(), void listTraces().catch((error: unknown) => showProblem(alert, error))) }, field("Operation", operation)), traceList, waterfall)
      : h("p", { class: "muted", "data-testid": "operations-no-traces" }, "Jaeger is not running for this console, so there are no traces (npm start runs it)."),
    updated,
  );

  async function drawCharts(): Promise<void> {
    const end = Math.floor(Date.now() / 1000 / stepS) * stepS;
    const start = end - windowS;
    const times: number[] = [];
    for (let t = start; t <= end; t += stepS) times.push(t * 1000);
    await Promise.all(
      chartSpecs.map(async (spec, index) => {
        const params = new URLSearchParams({ query: spec.query, start: String(start), end: String(end), step: String(stepS) });
        const matrix = await ops<Matrix>(`/ops/metrics/query_range?${params}`);
        const series = [...(matrix.data?.result ?? [])].sort((a, b) => (labelOf(spec, a.metric) < labelOf(spec, b.metric) ? -1 : 1));
        const lines: ChartLine[] = series.map((s, i) => ({ label: labelOf(spec, s.metric), color: palette[i % palette.length]! }));
        // Whole numbers on the axis: rates and latencies are rounded to the unit they are shown in.
        const values = series.map((s) => {
          const byTime = new Map(s.values.map(([t, v]) => [t * 1000, Number(v)]));
          return times.map((t) => {
            const v = byTime.get(t);
            return v === undefined || !Number.isFinite(v) ? 0 : Math.round(v);
          });
        });
        charts[index]!.draw(times, lines, values);
      }),
    );
  }

  async function listAlerts(): Promise<void> {
    const answer = await ops<{ data?: { alerts: readonly Alert[] } }>("/ops/metrics/alerts");
    const active = answer.data?.alerts ?? [];
    alerts.replaceChildren(
      ...(active.length === 0
        ? [h("li", { class: "muted" }, "No alert is pending or firing.")]
        : active.map((a) =>
            h(
              "li",
              { "data-testid": "operations-alert", "data-state": a.state, "data-severity": a.labels.severity ?? "" },
              h("strong", {}, a.labels.alertname ?? "alert"),
              ` · ${a.labels.severity ?? "?"} · ${a.state}${a.labels.service === undefined ? "" : ` · ${a.labels.service}`}`,
              a.annotations.summary === undefined ? null : h("small", { class: "muted" }, ` — ${a.annotations.summary}`),
            ),
          )),
    );
  }

  let shownTrace: string | undefined;
  async function listTraces(): Promise<void> {
    const params = new URLSearchParams({ service: "gateway", limit: "20" });
    if (operation.value.trim() !== "") params.set("operation", operation.value.trim());
    const answer = await ops<{ data: readonly JaegerTrace[] | null }>(`/ops/traces?${params}`);
    const traces = [...(answer.data ?? [])].map(summaryOf).sort((a, b) => b.startUs - a.startUs);
    traceList.replaceChildren(
      ...(traces.length === 0
        ? [h("li", { class: "muted" }, operation.value.trim() === "" ? "No call in the last hour." : "No such call in the last hour.")]
        : traces.map((t) =>
            h(
              "li",
              {},
              h(
                "button",
                { type: "button", class: "ghost small trace-open", "data-testid": "trace-open", "data-trace-id": t.traceId, "data-operation": t.operation, onclick: () => void showTrace(t.traceId) },
                `${t.operation}`,
              ),
              h("small", { class: "muted" }, ` ${(t.durationUs / 1000).toFixed(1)} ms · ${t.spans} spans · ${t.services.join(", ")}`),
            ),
          )),
    );
  }

  async function showTrace(traceId: string): Promise<void> {
    try {
      const answer = await ops<{ data: readonly JaegerTrace[] }>(`/ops/traces/${traceId}`);
      const trace = answer.data[0];
      if (trace === undefined) throw new Error(`Jaeger has no trace ${traceId}`);
      shownTrace = traceId;
      drawWaterfall(trace);
    } catch (error) {
      showProblem(alert, error);
    }
  }

  function drawWaterfall(trace: JaegerTrace): void {
    const rows = ordered(trace.spans);
    const start = Math.min(...trace.spans.map((s) => s.startTime));
    const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
    const total = Math.max(1, end - start);
    // In the order the call reached them (the rows are depth first, by start time).
    const services = [...new Set(rows.map(({ span }) => trace.processes[span.processID]?.serviceName ?? "?"))];
    waterfall.hidden = false;
    waterfall.dataset.traceId = trace.traceID;
    waterfall.dataset.services = services.join(",");
    waterfall.replaceChildren(
      h("p", { class: "muted" }, `Trace ${trace.traceID} · ${(total / 1000).toFixed(1)} ms · ${trace.spans.length} spans · ${services.join(" → ")}`),
      ...rows.map(({ span, depth }) => {
        const service = trace.processes[span.processID]?.serviceName ?? "?";
        const kind = String(span.tags.find((t) => t.key === "span.kind")?.value ?? "");
        const failed = span.tags.some((t) => t.key === "error" && t.value === true);
        const bar = h("span", { class: `waterfall-bar waterfall-${services.indexOf(service) % palette.length}${failed ? " waterfall-failed" : ""}` });
        // Set through the CSSOM: the console's content security policy refuses style attributes.
        bar.style.marginLeft = `${(((span.startTime - start) / total) * 100).toFixed(2)}%`;
        bar.style.width = `${Math.max(0.4, (span.duration / total) * 100).toFixed(2)}%`;
        const label = h("span", { class: "waterfall-label" }, h("strong", {}, service), ` ${span.operationName}`, h("small", { class: "muted" }, ` ${kind} · ${(span.duration / 1000).toFixed(2)} ms`));
        label.style.paddingLeft = `${depth * 0.9}rem`;
        return h("div", { class: "waterfall-row", "data-testid": "trace-span", "data-service": service, "data-kind": kind, "data-depth": depth }, label, h("span", { class: "waterfall-track" }, bar));
      }),
    );
  }

  async function load(): Promise<void> {
    try {
      await Promise.all([
        available.metrics ? Promise.all([drawCharts(), listAlerts()]) : undefined,
        available.traces ? listTraces() : undefined,
      ]);
      showProblem(alert, undefined);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}${shownTrace === undefined ? "" : ` · showing trace ${shownTrace}`}`;
    } catch (error) {
      showProblem(alert, error);
    }
  }

  refresh.addEventListener("click", () => void load());
  const stop = poll(load, refreshMs);
  return {
    element,
    dispose() {
      stop();
      for (const chart of charts) chart.dispose();
    },
  };
}

function labelOf(spec: ChartSpec, metric: Readonly<Record<string, string>>): string {
  return spec.label ?? (spec.legend === undefined ? "value" : (metric[spec.legend] ?? "(none)"));
}

/** A trace's line in the list: its root's operation, when, how long, how wide. */
function summaryOf(trace: JaegerTrace) {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const root = trace.spans.find((s) => !s.references.some((r) => r.refType === "CHILD_OF" && ids.has(r.spanID))) ?? trace.spans[0]!;
  const startUs = Math.min(...trace.spans.map((s) => s.startTime));
  const endUs = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const services = [...new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName ?? "?"))];
  return { traceId: trace.traceID, operation: root.operationName, startUs, durationUs: endUs - startUs, spans: trace.spans.length, services };
}

/** Spans depth first from the roots, children by start time: the waterfall's rows. */
function ordered(spans: readonly JaegerSpan[]): Array<{ span: JaegerSpan; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanID));
  const parentOf = (s: JaegerSpan) => s.references.find((r) => r.refType === "CHILD_OF" && ids.has(r.spanID))?.spanID;
  const children = new Map<string | undefined, JaegerSpan[]>();
  for (const span of spans) children.set(parentOf(span), [...(children.get(parentOf(span)) ?? []), span]);
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);
  const rows: Array<{ span: JaegerSpan; depth: number }> = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      rows.push({ span, depth });
      visit(span.spanID, depth + 1);
    }
  };
  visit(undefined, 0);
  return rows;
}
