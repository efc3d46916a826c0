import { create, type DescMessage, type DescMethod, type DescMethodStreaming, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { createContextValues, type ContextValues, type Interceptor, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Tracer } from "@opentelemetry/api";
import type { MeshMetrics } from "../observability/metrics.js";
import { createBreakerInterceptor } from "./breaker-interceptor.js";
import type { BreakerRegistry } from "./breaker.js";
import { callDeadlineKey } from "./call-deadline.js";
import { createFallbackInterceptor, type Fallback } from "./fallback-interceptor.js";
import { createGrpcJsCall, type CallFn } from "./grpc-js-transport.js";
import { createMetricsInterceptor } from "./metrics-interceptor.js";
import { neverAborted } from "./never-aborted.js";
import { createPropagationInterceptor } from "./propagation-interceptor.js";
import { createRetryInterceptor } from "./retry-interceptor.js";
import type { RetryPolicy } from "./retry.js";
import type { RetryBudget } from "./retry-budget.js";
import { createTracingInterceptor } from "./tracing-interceptor.js";

export { toConnectError } from "./grpc-js-transport.js";
export { idempotencyKeyHeader } from "./retry-interceptor.js";

/** Everything a transport to one upstream service needs. */
export interface MeshTransportOptions {
  /** The upstream service's name: breaker key, metrics label, expected SPIFFE service account. */
  readonly target: string;
  /** "host:port" or a gRPC target URI such as "dns:///combat.chaos.svc.cluster.local:7000". */
  readonly address: string;
  readonly credentials: grpc.ChannelCredentials;
  /** Resolves when file-based credentials are loaded; calls wait for it. */
  readonly credentialsReady?: Promise<void>;
  readonly breakers: BreakerRegistry;
  readonly retryPolicy: RetryPolicy;
  readonly retryBudget: RetryBudget;
  /** Deadline of calls that set none and run outside any incoming call. Default 10 s. */
  readonly defaultTimeoutMs?: number;
  readonly maxMessageBytes?: number;
  readonly channelOptions?: grpc.ChannelOptions;
  readonly logger: Logger;
  readonly metrics?: MeshMetrics;
  /** Client spans are made with this tracer; without one, only the context is passed on. */
  readonly tracer?: Tracer;
  /**
   * Optional fallback per method path: when a unary call fails with an
   * unhealthy-upstream error (its breaker open included), a returned message
   * answers the caller instead (e.g. a cached leaderboard). Undefined = fail.
   */
  readonly fallback?: Fallback;
}

type HeaderInit = ConstructorParameters<typeof Headers>[0];

/**
 * A Connect Transport whose calls run over one grpc-js channel (connection
 * reuse, HTTP/2 keepalive), so `createClient(Service, transport)` gives typed
 * clients of every kind of method that never see which library carries the
 * call. Every call runs through the client interceptors below, outermost
 * first, over the bare grpc-js transport.
 */
export function createMeshTransport(options: MeshTransportOptions): Transport & { close(): void } {
  const client = new grpc.Client(options.address, options.credentials, {
    "grpc.max_receive_message_length": options.maxMessageBytes ?? 4 * 1024 * 1024,
    "grpc.max_send_message_length": options.maxMessageBytes ?? 4 * 1024 * 1024,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    // The mesh owns retries (see retry-interceptor.ts); grpc-js's own would double them.
    "grpc.enable_retries": 0,
    // A restarted peer is reached again within about 1 s. grpc-js's defaults
    // (1 s, growing 1.6x up to 120 s) left callers failing for many seconds
    // after a peer that was down a few seconds came back (measured in the
    // trading chaos test); a 2 s ceiling still let a rolling restart take the
    // second replica down before callers were back on the first (all
    // subchannels down: "No connection established", replicas test in CI).
    // A refused connection attempt costs one SYN, so 1 s is cheap.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1_000,
    ...options.channelOptions,
  });
  const interceptors: Interceptor[] = [
    // A substitute answer when all else failed (unary calls with a fallback only).
    ...(options.fallback === undefined ? [] : [createFallbackInterceptor(options.fallback)]),
    // One span per call, retries included.
    createTracingInterceptor(options.tracer),
    // The incoming call's remaining deadline, cancellation and end-user token.
    createPropagationInterceptor(options.defaultTimeoutMs ?? 10_000),
    // gRFC A6: each attempt below runs again when that is safe.
    createRetryInterceptor({ target: options.target, policy: options.retryPolicy, budget: options.retryBudget, metrics: options.metrics }),
    // Every attempt passes the (target, method) breaker.
    createBreakerInterceptor(options.breakers, options.target),
    // What reached the wire: every attempt, by code and duration.
    ...(options.metrics === undefined ? [] : [createMetricsInterceptor(options.metrics, options.target)]),
  ];
  const call = interceptors.reduceRight<CallFn>((next, interceptor) => interceptor(next), createGrpcJsCall(client));
  const urls = new Map<DescMethod, string>();
  const urlOf = (method: DescMethod) => {
    let url = urls.get(method);
    if (url === undefined) {
      url = `grpc://${options.target}/${method.parent.typeName}/${method.name}`;
      urls.set(method, url);
    }
    return url;
  };

  return {
    close: () => client.close(),

    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      await options.credentialsReady;
      return call({
        stream: false,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: urlOf(method),
        signal: signal ?? neverAborted,
        header: new Headers(header),
        contextValues: callValues(contextValues, timeoutMs),
        message: create(method.input, input),
      }) as Promise<UnaryResponse<I, O>>;
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      await options.credentialsReady;
      return (await call({
        stream: true,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: urlOf(method),
        signal: signal ?? neverAborted,
        header: new Headers(header),
        contextValues: callValues(contextValues, timeoutMs),
        // A server-streaming request is one message, read now so every attempt can send it again.
        message: method.methodKind === "server_streaming" ? once(create(method.input, await first(input))) : normalized(method.input, input),
      })) as StreamResponse<I, O>;
    },
  };
}

/** The call's context values (the caller's, when given: they are per call) holding the caller's own deadline. */
function callValues(given: ContextValues | undefined, timeoutMs: number | undefined): ContextValues {
  const values = given ?? createContextValues();
  return values.set(callDeadlineKey, timeoutMs === undefined ? undefined : Date.now() + timeoutMs);
}

async function first<T>(messages: AsyncIterable<T>): Promise<T | undefined> {
  for await (const message of messages) return message;
  return undefined;
}

/** A client or bidi stream's messages as messages of their type (callers may give plain objects). */
async function* normalized<I extends DescMessage>(schema: I, messages: AsyncIterable<MessageInitShape<I>>): AsyncIterable<MessageShape<I>> {
  for await (const message of messages) yield create(schema, message);
}

/** One message as a stream that every attempt can read again. */
function once<T>(message: T): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield message;
    },
  };
}
