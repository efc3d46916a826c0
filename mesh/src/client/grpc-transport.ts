import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescMethodStreaming, type DescMethodUnary, type Message, type MessageInitShape } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createContextValues, type ContextValues, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { currentCallScope } from "../call-scope.js";
import { ROOT_CONTEXT, type Context } from "@opentelemetry/api";
import type { Tracer } from "@opentelemetry/api";
import { endRpcSpan, extractTraceContext, injectTraceContext, startRpcSpan } from "../observability/tracing.js";
import type { MeshMetrics } from "../observability/metrics.js";
import { principalHeader } from "../server/principal.js";
import { headersFromMetadata, metadataFromHeaders } from "../server/metadata.js";
import { isBreakerOpen, unhealthyCodes, type BreakerRegistry } from "./breaker.js";
import { backoffMs, maxAttemptsLimit, pushback, retryableCode, type RetryPolicy } from "./retry.js";
import type { RetryBudget } from "./retry-budget.js";

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
  readonly fallback?: (methodPath: string, error: ConnectError) => MessageInitShape<DescMessage> | undefined;
}

type HeaderInit = ConstructorParameters<typeof Headers>[0];

/** The header a caller sets to make a non-idempotent call safe to retry. */
export const idempotencyKeyHeader = "idempotency-key";

/**
 * A Connect Transport whose calls run over one grpc-js channel (connection
 * reuse, HTTP/2 keepalive), so `createClient(Service, transport)` gives typed
 * clients that never see which library carries the call. Every call:
 * inherits the incoming call's remaining deadline, cancellation, trace and
 * end-user token; passes the (target, method) circuit breaker on every
 * attempt; and is retried per gRFC A6 when that is safe.
 */
export function createMeshTransport(options: MeshTransportOptions): Transport & { close(): void } {
  const client = new grpc.Client(options.address, options.credentials, {
    "grpc.max_receive_message_length": options.maxMessageBytes ?? 4 * 1024 * 1024,
    "grpc.max_send_message_length": options.maxMessageBytes ?? 4 * 1024 * 1024,
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    // The mesh owns retries (see retry.ts); grpc-js's own would double them.
    "grpc.enable_retries": 0,
    ...options.channelOptions,
  });
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;

  const plan = (method: DescMethod, signal: AbortSignal | undefined, timeoutMs: number | undefined, header: HeaderInit | undefined) => {
    const scope = currentCallScope();
    const headers = new Headers(header);
    // An explicit traceparent from the caller wins over the ambient server span.
    const parent: Context = headers.has("traceparent") ? extractTraceContext(headers) : (scope?.traceContext ?? ROOT_CONTEXT);
    const traced = options.tracer === undefined ? undefined : startRpcSpan(options.tracer, "client", path(method), parent);
    injectTraceContext(traced?.context ?? parent, headers);
    if (scope?.principalToken !== undefined && !headers.has(principalHeader)) headers.set(principalHeader, scope.principalToken);
    const inherited = scope?.deadline === undefined ? undefined : scope.deadline - Date.now();
    const budget = Math.min(timeoutMs ?? Infinity, inherited ?? Infinity);
    const deadline = Date.now() + (Number.isFinite(budget) ? Math.max(0, budget) : defaultTimeoutMs);
    const signals = [signal, scope?.signal].filter((s): s is AbortSignal => s !== undefined);
    return { headers, deadline, signal: signals.length > 0 ? AbortSignal.any(signals) : undefined, span: traced?.span };
  };

  const path = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;

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
      const request = create(method.input, input);
      const call = plan(method, signal, timeoutMs, header);
      const methodPath = path(method);
      const retrySafe = safeToRetry(method, call.headers, request);
      const started = process.hrtime.bigint();
      let code = "OK";
      try {
        for (let attempt = 1; ; attempt++) {
          let sawHeaders = false;
          try {
            const response = await options.breakers.fire(options.target, methodPath, () =>
              unaryAttempt(client, method, methodPath, request, call.headers, call.deadline, call.signal, () => (sawHeaders = true)),
            );
            options.retryBudget.recordSuccess();
            return {
              stream: false,
              service: method.parent,
              method,
              header: response.header,
              trailer: response.trailer,
              message: response.message,
            } as UnaryResponse<I, O>;
          } catch (error) {
            const wait = retryDecision(error, attempt, retrySafe, sawHeaders, call.deadline);
            if (wait === undefined) throw error;
            options.metrics?.clientRetries.inc({ target: options.target, method: methodPath });
            await sleep(wait, call.signal);
          }
        }
      } catch (error) {
        const failure = ConnectError.from(error);
        code = Code[failure.code] ?? "Unknown";
        if (call.span !== undefined) endRpcSpan(call.span, failure.code, failure.rawMessage);
        const substitute = unhealthyCodes.has(failure.code) ? options.fallback?.(methodPath, failure) : undefined;
        if (substitute !== undefined) {
          code = "FALLBACK";
          return { stream: false, service: method.parent, method, header: new Headers(), trailer: new Headers(), message: create(method.output, substitute as never) } as UnaryResponse<I, O>;
        }
        throw error;
      } finally {
        if (code === "OK" && call.span !== undefined) endRpcSpan(call.span, undefined);
        options.metrics?.clientCalls.inc({ target: options.target, method: methodPath, code });
        options.metrics?.clientLatency.observe({ target: options.target, method: methodPath }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeaderInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      if (method.methodKind !== "server_streaming") {
        throw new ConnectError(`${method.methodKind} calls are not supported by the mesh transport`, Code.Unimplemented);
      }
      let first: MessageInitShape<I> | undefined;
      for await (const message of input) {
        first = message;
        break;
      }
      await options.credentialsReady;
      const request = create(method.input, first);
      const call = plan(method, signal, timeoutMs, header);
      const methodPath = path(method);
      const end = (error: unknown) => {
        const failure = error === undefined ? undefined : ConnectError.from(error);
        if (call.span !== undefined) endRpcSpan(call.span, failure?.code, failure?.rawMessage);
      };
      // Streams are not retried: once a message has been delivered a retry would replay it.
      try {
        return await options.breakers.fire(options.target, methodPath, () =>
          streamAttempt(client, method, methodPath, request, call.headers, call.deadline, call.signal, end),
        );
      } catch (error) {
        end(error);
        throw error;
      }
    },
  };

  function retryDecision(error: unknown, attempt: number, retrySafe: boolean, sawHeaders: boolean, deadline: number): number | undefined {
    if (isBreakerOpen(error)) return undefined;
    if (!retryableCode(options.retryPolicy, error)) return undefined;
    options.retryBudget.recordFailure();
    if (!retrySafe || sawHeaders) return undefined;
    if (attempt >= Math.min(options.retryPolicy.maxAttempts, maxAttemptsLimit)) return undefined;
    if (!options.retryBudget.allowsRetry) return undefined;
    const pushed = pushback(error.metadata);
    if (pushed === "stop") return undefined;
    const wait = pushed ?? backoffMs(options.retryPolicy, attempt);
    return Date.now() + wait < deadline ? wait : undefined;
  }
}

/**
 * Retrying is safe for methods the contract marks free of side effects or
 * idempotent, and for calls carrying an idempotency key (header or an
 * `idempotency_key` field of the request).
 */
function safeToRetry(method: DescMethod, headers: Headers, request: Message): boolean {
  if (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT) {
    return true;
  }
  if ((headers.get(idempotencyKeyHeader) ?? "") !== "") return true;
  const key = (request as unknown as Record<string, unknown>).idempotencyKey;
  return typeof key === "string" && key !== "";
}

/** grpc-js serializer and deserializer of a method's messages (protobuf binary via protobuf-es). */
function codec(method: DescMethod): [(message: Message) => Buffer, (bytes: Buffer) => Message] {
  return [(message) => Buffer.from(toBinary(method.input, message as never)), (bytes) => fromBinary(method.output, bytes)];
}

interface AttemptResult<O extends DescMessage> {
  readonly header: Headers;
  readonly trailer: Headers;
  readonly message: Message & { $typeName: O["typeName"] };
}

function unaryAttempt<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodUnary<I, O>,
  methodPath: string,
  request: Message,
  headers: Headers,
  deadline: number,
  signal: AbortSignal | undefined,
  onHeaders: () => void,
): Promise<AttemptResult<O>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(ConnectError.from(signal.reason, Code.Canceled));
      return;
    }
    let header = new Headers();
    let trailer = new Headers();
    const call = client.makeUnaryRequest(
      methodPath,
      ...codec(method),
      request,
      metadataFromHeaders(headers),
      { deadline },
      (error, message) => {
        signal?.removeEventListener("abort", cancel);
        if (error) reject(toConnectError(error));
        else resolve({ header, trailer, message: message as AttemptResult<O>["message"] });
      },
    );
    const cancel = () => call.cancel();
    signal?.addEventListener("abort", cancel, { once: true });
    call.on("metadata", (metadata) => {
      header = headersFromMetadata(metadata);
      onHeaders();
    });
    call.on("status", (status) => (trailer = headersFromMetadata(status.metadata)));
  });
}

function streamAttempt<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodStreaming<I, O>,
  methodPath: string,
  request: Message,
  headers: Headers,
  deadline: number,
  signal: AbortSignal | undefined,
  onEnd: (error: unknown) => void,
): Promise<StreamResponse<I, O>> {
  return new Promise((resolve, reject) => {
    const call = client.makeServerStreamRequest(
      methodPath,
      ...codec(method),
      request,
      metadataFromHeaders(headers),
      { deadline },
    );
    const cancel = () => call.cancel();
    signal?.addEventListener("abort", cancel, { once: true });
    const trailer = new Headers();
    let settled = false;
    call.once("metadata", (metadata) => {
      settled = true;
      resolve({
        stream: true,
        service: method.parent,
        method,
        header: headersFromMetadata(metadata),
        trailer,
        message: messages(call, trailer, signal, cancel, onEnd),
      } as unknown as StreamResponse<I, O>);
    });
    call.once("error", (error: grpc.ServiceError) => {
      if (!settled) {
        settled = true;
        signal?.removeEventListener("abort", cancel);
        reject(toConnectError(error));
      }
    });
  });
}

async function* messages(
  call: grpc.ClientReadableStream<Message>,
  trailer: Headers,
  signal: AbortSignal | undefined,
  cancel: () => void,
  onEnd: (error: unknown) => void,
): AsyncIterable<Message> {
  call.once("status", (status: grpc.StatusObject) => headersFromMetadata(status.metadata).forEach((v, k) => trailer.set(k, v)));
  let failure: unknown;
  try {
    for await (const message of call as AsyncIterable<Message>) yield message;
  } catch (error) {
    failure = error instanceof ConnectError ? error : toConnectError(error as grpc.ServiceError);
    throw failure;
  } finally {
    onEnd(failure);
    signal?.removeEventListener("abort", cancel);
    call.cancel();
  }
}

/**
 * A grpc-js error as a ConnectError with its details (ErrorInfo, BadRequest)
 * decoded from grpc-status-details-bin, exactly as a Connect client would
 * see it from connect-node.
 */
export function toConnectError(error: grpc.ServiceError | Error): ConnectError {
  const serviceError = error as Partial<grpc.ServiceError>;
  if (serviceError.code === undefined) return ConnectError.from(error, Code.Unavailable);
  const trailer = serviceError.metadata === undefined ? new Headers() : headersFromMetadata(serviceError.metadata);
  trailer.set("grpc-status", String(serviceError.code));
  trailer.set("grpc-message", encodeURIComponent(serviceError.details ?? ""));
  return findTrailerError(trailer) ?? new ConnectError(serviceError.details ?? "", serviceError.code as number as Code, trailer);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(ConnectError.from(signal.reason, Code.Canceled));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal?.reason, Code.Canceled));
    };
    signal?.addEventListener("abort", abort, { once: true });
  });
}
