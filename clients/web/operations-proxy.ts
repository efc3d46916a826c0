/**
 * The console server's read-only window on the operator's tools, for the
 * Operations page: a fixed handful of Prometheus and Jaeger queries,
 * forwarded from /ops/... on the console's own origin. The page thus needs
 * no CORS on either tool, and its content security policy stays
 * connect-src 'self' plus the gateway. Only these GETs pass, with only the
 * parameters named here, each checked; nothing else of either tool (its
 * admin API, deletions) is reachable. Neither tool has logins of its own on
 * a local machine; the console listens on loopback by default, and whoever
 * exposes it (CHAOS_CONSOLE_HOST) exposes these reads too.
 */

/** Where the tools are, as the console server reaches them. */
export interface OperationsTools {
  /** Prometheus's base URL, e.g. http://127.0.0.1:59090. */
  readonly prometheusUrl?: string;
  /** Jaeger's query base URL (its UI port), e.g. http://127.0.0.1:56686. */
  readonly jaegerUrl?: string;
}

/** An answer for the page: a status and a JSON body. */
export interface ProxyAnswer {
  readonly status: number;
  readonly body: string;
}

/** How long a tool may take to answer one query. */
const upstreamTimeoutMs = 5_000;
/** Longest PromQL expression the page sends (its own are a few hundred characters). */
const maxQueryLength = 2_000;
/** Most points one range query may ask for: Prometheus's own limit is 11,000. */
const maxPoints = 1_000;
/** Most traces one listing may ask for. */
const maxTraces = 50;

const problem = (status: number, error: string): ProxyAnswer => ({ status, body: JSON.stringify({ error }) });

/**
 * Answers `url` (a path under /ops/) from the tools, or undefined when it is
 * no path of the proxy (the server answers 404 then).
 */
export async function answerOperations(url: URL, tools: OperationsTools): Promise<ProxyAnswer | undefined> {
  const path = url.pathname;
  if (path === "/ops/metrics/query_range") {
    if (tools.prometheusUrl === undefined) return problem(503, "Prometheus is not running for this console (npm start starts it; CHAOS_CONSOLE_PROMETHEUS_URL names one)");
    const query = url.searchParams.get("query") ?? "";
    const [start, end, step] = ["start", "end", "step"].map((name) => Number(url.searchParams.get(name)));
    if (query === "" || query.length > maxQueryLength) return problem(400, `query must be a PromQL expression of 1 to ${maxQueryLength} characters`);
    if (![start, end, step].every((n) => Number.isFinite(n!)) || step! <= 0 || end! <= start!) return problem(400, "start, end and step must be numbers (Unix seconds), end after start and step above zero");
    if ((end! - start!) / step! > maxPoints) return problem(400, `at most ${maxPoints} points per series: widen step or narrow the range`);
    return forward(`${tools.prometheusUrl}/api/v1/query_range?${new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) })}`, "Prometheus");
  }
  if (path === "/ops/metrics/alerts") {
    if (tools.prometheusUrl === undefined) return problem(503, "Prometheus is not running for this console");
    return forward(`${tools.prometheusUrl}/api/v1/alerts`, "Prometheus");
  }
  if (path === "/ops/traces") {
    if (tools.jaegerUrl === undefined) return problem(503, "Jaeger is not running for this console (npm start starts it; CHAOS_CONSOLE_JAEGER_URL names one)");
    const service = url.searchParams.get("service") ?? "";
    const operation = url.searchParams.get("operation") ?? "";
    const limit = Number(url.searchParams.get("limit") ?? "20");
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(service)) return problem(400, "service must be a service name");
    if (operation.length > 200) return problem(400, "operation must be at most 200 characters");
    if (!Number.isInteger(limit) || limit < 1 || limit > maxTraces) return problem(400, `limit must be a whole number from 1 to ${maxTraces}`);
    const params = new URLSearchParams({ service, limit: String(limit), lookback: "1h" });
    if (operation !== "") params.set("operation", operation);
    return forward(`${tools.jaegerUrl}/api/traces?${params}`, "Jaeger");
  }
  const trace = /^\/ops\/traces\/([0-9a-f]{32})$/.exec(path);
  if (trace !== null) {
    if (tools.jaegerUrl === undefined) return problem(503, "Jaeger is not running for this console");
    return forward(`${tools.jaegerUrl}/api/traces/${trace[1]}`, "Jaeger");
  }
  return undefined;
}

/** The tool's own answer (its status and JSON), or 502 saying which tool did not answer. */
async function forward(target: string, tool: string): Promise<ProxyAnswer> {
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(upstreamTimeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return problem(502, `${tool} did not answer: ${(error as Error).message}`);
  }
}
