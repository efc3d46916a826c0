import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { runInCallScope, type CallScope } from "../call-scope.js";
import { toCallerError } from "../error-info.js";
import { callerKey, traceIdKey } from "../handler-values.js";
import type { MeshMetrics } from "../observability/metrics.js";
import { endRpcSpan, extractTraceContext, startRpcSpan, type MeshTracing } from "../observability/tracing.js";
import type { MeshCall, MeshInterceptor, MeshResult } from "./mesh-call.js";

/**
 * The outermost interceptor: opens the call's OpenTelemetry server span as
 * a child of the caller's W3C trace context (or a new trace), runs the rest of the call in a CallScope (so outgoing calls inherit
 * deadline, cancellation, trace and end-user token), and records one log
 * line and the metrics per call — for streams when the stream ends.
 */
export function createObservabilityInterceptor(logger: Logger, metrics: MeshMetrics, tracing: MeshTracing): MeshInterceptor {
  return (next) => async (call) => {
    const started = process.hrtime.bigint();
    const labels = { face: call.face, method: call.path };
    metrics.serverInFlight.inc(labels);
    const { span, context: traceContext } = startRpcSpan(tracing.tracer, "server", call.path, extractTraceContext(call.context.requestHeader));
    call.traceId = span.spanContext().traceId;
    call.context.values.set(traceIdKey, call.traceId);
    call.context.values.set(callerKey, call.caller);
    const timeoutMs = call.context.timeoutMs();
    const scope: CallScope = {
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      signal: call.context.signal,
      traceContext,
      principalToken: undefined,
    };
    let finished = false;
    // A streaming method's time is how long its stream stayed open, refused or not: kept apart from call latency.
    const streaming = call.method.methodKind !== "unary";
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const callerError = error === undefined ? undefined : toCallerError(error);
      const code = callerError === undefined ? "OK" : Code[callerError.code] ?? "Unknown";
      endRpcSpan(span, callerError?.code, callerError?.rawMessage);
      metrics.serverInFlight.dec(labels);
      (streaming ? metrics.serverStreamDuration : metrics.serverLatency).observe(labels, seconds);
      metrics.serverCalls.inc({ ...labels, code });
      log(logger, call, code, seconds, error);
    };
    try {
      const result = await runInCallScope(scope, () => next(call));
      if (result.kind === "unary") {
        finish(undefined);
        return result;
      }
      return { kind: "stream", messages: observeStream(result, scope, finish) } satisfies MeshResult;
    } catch (error) {
      finish(error);
      throw error;
    }
  };
}

async function* observeStream(result: Extract<MeshResult, { kind: "stream" }>, scope: CallScope, finish: (error: unknown) => void) {
  try {
    const iterator = result.messages[Symbol.asyncIterator]();
    for (;;) {
      const step = await runInCallScope(scope, () => iterator.next());
      if (step.done === true) break;
      yield step.value;
    }
    finish(undefined);
  } catch (error) {
    finish(error);
    throw error;
  } finally {
    finish(new ConnectError("stream cancelled", Code.Canceled));
  }
}

function log(logger: Logger, call: MeshCall, code: string, seconds: number, error: unknown): void {
  // Successful calls log at debug: skip building the line when nobody reads it.
  if (error === undefined && !logger.isLevelEnabled("debug")) return;
  const line = {
    trace_id: call.traceId,
    face: call.face,
    method: call.path,
    caller: call.caller?.uri,
    principal: call.principal?.subject,
    code,
    duration_ms: Math.round(seconds * 1e6) / 1e3,
  };
  if (error === undefined) logger.debug(line, "call");
  else if (error instanceof ConnectError) logger.info({ ...line, message: error.rawMessage }, "call failed");
  // An unexpected exception: the caller got INTERNAL without details; the log keeps them.
  else logger.error({ ...line, err: error }, "call failed with an unexpected error");
}

/**
 * Logs and counts a call the edge face's protocol layer refused before the
 * chain ran (so the observability interceptor never saw it), under the code
 * the client got; the log keeps connect's own message, the client does not.
 */
export function createRefusalObserver(logger: Logger, metrics: MeshMetrics): (path: string, code: Code, rawMessage: string, seconds: number) => void {
  return (path, code, rawMessage, seconds) => {
    const labels = { face: "edge", method: path };
    const name = Code[code] ?? "Unknown";
    metrics.serverLatency.observe(labels, seconds);
    metrics.serverCalls.inc({ ...labels, code: name });
    logger.info({ face: "edge", method: path, code: name, duration_ms: Math.round(seconds * 1e6) / 1e3, message: rawMessage }, "call refused before the chain");
  };
}
