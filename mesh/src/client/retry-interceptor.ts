import type { DescMethod, Message } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import type { MeshMetrics } from "../observability/metrics.js";
import { isBreakerOpen } from "./breaker.js";
import { callDeadlineKey } from "./call-deadline.js";
import { methodPath } from "./method-path.js";
import { backoffMs, isCommitted, maxAttemptsLimit, pushback, retryableCode, type RetryPolicy } from "./retry.js";
import type { RetryBudget } from "./retry-budget.js";
import { SharedRequestStream } from "./shared-request-stream.js";

/** The header a caller sets to make a non-idempotent call safe to retry. */
export const idempotencyKeyHeader = "idempotency-key";

/** What the retry interceptor needs for one upstream. */
export interface RetryInterceptorOptions {
  /** The upstream service's name (metrics label). */
  readonly target: string;
  readonly policy: RetryPolicy;
  /** The upstream's retry budget, shared by every call to it. */
  readonly budget: RetryBudget;
  /** Counts retries when given. */
  readonly metrics?: MeshMetrics;
}

/**
 * gRFC A6 retries: an attempt that failed with a retryable code is repeated
 * after full-jitter backoff or the server's `grpc-retry-pushback-ms`, at most
 * `maxAttempts` times (never more than 5), within the call's deadline, while
 * the target's retry budget allows, and only when that is safe: the method is
 * marked free of side effects or idempotent or the call carries an
 * idempotency key; the response has not begun (a stream is retried only
 * before its response headers, which come before its first message); and a
 * client or bidi stream has not sent a message yet. Calls refused by an open
 * breaker are not retried (they never reached the upstream).
 */
export function createRetryInterceptor(options: RetryInterceptorOptions): Interceptor {
  const { policy, budget } = options;
  const maxAttempts = Math.min(policy.maxAttempts, maxAttemptsLimit);

  const delayBeforeRetry = (error: unknown, attempt: number, safe: boolean, deadline: number): number | undefined => {
    if (isBreakerOpen(error)) return undefined;
    if (!retryableCode(policy, error)) return undefined;
    budget.recordFailure();
    if (!safe || isCommitted(error)) return undefined;
    if (attempt >= maxAttempts) return undefined;
    if (!budget.allowsRetry) return undefined;
    const pushed = pushback(error.metadata);
    if (pushed === "stop") return undefined;
    const wait = pushed ?? backoffMs(policy, attempt);
    return Date.now() + wait < deadline ? wait : undefined;
  };

  return (next) => async (request) => {
    const safe = safeToRetry(request);
    // A request stream is read by each attempt in turn; one message sent and the call is committed.
    const shared = safe && request.stream && sendsStream(request.method) ? new SharedRequestStream(request.message) : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await next(shared === undefined ? request : { ...(request as StreamRequest), message: shared.forAttempt() });
        budget.recordSuccess();
        shared?.settle(false);
        return response;
      } catch (error) {
        const wait = delayBeforeRetry(error, attempt, shared === undefined ? safe : !shared.sent, request.contextValues.get(callDeadlineKey) ?? Infinity);
        if (wait === undefined) {
          shared?.settle(true);
          throw error;
        }
        options.metrics?.clientRetries.inc({ target: options.target, method: methodPath(request.method) });
        try {
          await sleep(wait, request.signal);
        } catch (cancelled) {
          shared?.settle(true);
          throw cancelled;
        }
      }
    }
  };
}

function sendsStream(method: DescMethod): boolean {
  return method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
}

/**
 * Retrying is safe for methods the contract marks free of side effects or
 * idempotent, and for calls carrying an idempotency key (header, or an
 * `idempotency_key` field of a unary request).
 */
function safeToRetry(request: UnaryRequest | StreamRequest): boolean {
  const idempotency = request.method.idempotency;
  if (idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT) return true;
  if ((request.header.get(idempotencyKeyHeader) ?? "") !== "") return true;
  if (request.stream) return false;
  const key = (request.message as Message & { idempotencyKey?: unknown }).idempotencyKey;
  return typeof key === "string" && key !== "";
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(ConnectError.from(signal.reason, Code.Canceled));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason, Code.Canceled));
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}
