import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Counter, Histogram } from "prom-client";
import type { MeshMetrics } from "../observability/metrics.js";
import { methodPath } from "./method-path.js";
import { withStreamEnd } from "./stream-end.js";

/**
 * The innermost client interceptor: counts every attempt that reaches the
 * wire by gRPC code and observes its duration (for a stream, until the
 * stream ends). Attempts refused by an open breaker never get here; retries
 * are counted by the retry interceptor.
 */
export function createMetricsInterceptor(metrics: MeshMetrics, target: string): Interceptor {
  const series = new WeakMap<DescMethod, MethodSeries>();
  const seriesOf = (method: DescMethod) => {
    let found = series.get(method);
    if (found === undefined) {
      const labels = { target, method: methodPath(method) };
      found = { latency: metrics.clientLatency.labels(labels), calls: metrics.clientCalls, labels, byCode: new Map() };
      series.set(method, found);
    }
    return found;
  };
  return (next) => async (request) => {
    const started = process.hrtime.bigint();
    const method = seriesOf(request.method);
    let response;
    try {
      response = await next(request);
    } catch (error) {
      record(method, started, error);
      throw error;
    }
    if (!response.stream) {
      record(method, started, undefined);
      return response;
    }
    return withStreamEnd(response, (failure) => record(method, started, failure));
  };
}

/** A method's metric children, made once: prom-client would otherwise hash the labels on every call. */
interface MethodSeries {
  readonly latency: Histogram.Internal<"target" | "method">;
  readonly calls: Counter<"target" | "method" | "code">;
  readonly labels: { readonly target: string; readonly method: string };
  readonly byCode: Map<Code | undefined, Counter.Internal>;
}

function record(series: MethodSeries, started: bigint, error: unknown): void {
  const code = error === undefined ? undefined : ConnectError.from(error).code;
  let counter = series.byCode.get(code);
  if (counter === undefined) {
    counter = series.calls.labels({ ...series.labels, code: code === undefined ? "OK" : (Code[code] ?? "Unknown") });
    series.byCode.set(code, counter);
  }
  counter.inc();
  series.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
}
