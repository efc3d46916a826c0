import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Code } from "@connectrpc/connect";

/** A process's OpenTelemetry tracer and how to flush it. */
export interface MeshTracing {
  readonly tracer: Tracer;
  /** Whether spans are recorded (exported somewhere); false: the tracer makes non-recording spans only. */
  readonly recording: boolean;
  /** Flushes buffered spans and stops exporting. */
  shutdown(): Promise<void>;
}

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /**
   * OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`). Default:
   * OTEL_EXPORTER_OTLP_ENDPOINT; without one, spans are made (trace ids in
   * logs, context propagated) but not exported.
   */
  readonly otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/**
 * OpenTelemetry tracing for one service. The provider is not registered
 * globally: the mesh passes its tracer explicitly, so two services in one
 * test process keep their own service.name.
 */
export function createTracing(service: string, options: TracingOptions = {}): MeshTracing {
  const endpoint = options.otlpEndpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (endpoint !== undefined && endpoint !== "") {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` })));
  }
  // With nowhere to send spans, make them non-recording: trace ids still flow
  // through logs and headers, but no span objects are built per call
  // (measured as a visible share of a call's CPU on the internal face).
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: processors,
    ...(processors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  return { tracer: provider.getTracer("@chaos/mesh"), recording: processors.length > 0, shutdown: () => provider.shutdown() };
}

const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<Headers> = { get: (headers, key) => headers.get(key) ?? undefined, keys: (headers) => [...headers.keys()] };
const setter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

/** The caller's trace context from W3C `traceparent`/`tracestate` headers (root when absent or invalid). */
export function extractTraceContext(headers: Headers, base: Context = ROOT_CONTEXT): Context {
  return propagator.extract(base, headers, getter);
}

/** Writes the span of `context` into W3C headers for the next hop. */
export function injectTraceContext(context: Context, headers: Headers): void {
  propagator.inject(context, headers, setter);
}

/** Starts an RPC span (semantic conventions rpc.*) as a child of `parent`. */
export function startRpcSpan(tracer: Tracer, kind: "server" | "client", path: string, parent: Context): { span: Span; context: Context } {
  const [, service = "", method = ""] = path.split("/");
  const span = tracer.startSpan(
    path.slice(1),
    { kind: kind === "server" ? SpanKind.SERVER : SpanKind.CLIENT, attributes: { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends an RPC span with its gRPC status code. */
export function endRpcSpan(span: Span, code: Code | undefined, message?: string): void {
  span.setAttribute("rpc.grpc.status_code", code ?? 0);
  if (code !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

/** What a messaging span records about one event (OpenTelemetry's messaging.* conventions). */
export interface MessagingSpanOptions {
  readonly topic: string;
  readonly eventId: string;
  /** The event's W3C traceparent: the span's parent. Without one no span is made (no trace to join). */
  readonly traceparent: string | undefined;
  /** The consumer group, for a consumer's span. */
  readonly group?: string;
  /** When the work began (a consumer's effect); default now. */
  readonly startTime?: number;
}

/**
 * A producer span ("publish <topic>", the outbox relay sending an event) or a
 * consumer span ("process <topic>", an effect applied from it), child of the
 * span that wrote the event, so a cast's trace runs on through Kafka into
 * the services its events reach. Undefined without a traceparent, or when the
 * trace is not sampled (tracing off): callers then change nothing.
 */
export function startMessagingSpan(tracer: Tracer, kind: "producer" | "consumer", options: MessagingSpanOptions): Span | undefined {
  if (options.traceparent === undefined) return undefined;
  const parent = propagator.extract(ROOT_CONTEXT, { traceparent: options.traceparent }, defaultTextMapGetter);
  if (trace.getSpanContext(parent) === undefined) return undefined;
  const operation = kind === "producer" ? "publish" : "process";
  const span = tracer.startSpan(`${operation} ${options.topic}`, {
    kind: kind === "producer" ? SpanKind.PRODUCER : SpanKind.CONSUMER,
    startTime: options.startTime,
    attributes: {
      "messaging.system": "kafka",
      "messaging.operation.type": operation,
      "messaging.destination.name": options.topic,
      "messaging.message.id": options.eventId,
      ...(options.group === undefined ? {} : { "messaging.consumer.group.name": options.group }),
    },
  }, parent);
  if (!span.isRecording()) return undefined;
  return span;
}

/** The W3C traceparent naming `span`, for the next hop (an event's header). */
export function traceparentOf(span: Span): string {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier.traceparent ?? "";
}

/** Ends a messaging span, as an error when `failure` says why. */
export function endMessagingSpan(span: Span | undefined, failure?: string): void {
  if (span === undefined) return;
  if (failure !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  span.end();
}
