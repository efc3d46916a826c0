import { Code, ConnectError } from "@connectrpc/connect";

/** A retry policy in the shape of gRFC A6's retryPolicy. */
export interface RetryPolicy {
  /** Attempts including the first; gRFC A6 caps this at 5. Default 3. */
  readonly maxAttempts: number;
  /** Default 50 ms. */
  readonly initialBackoffMs: number;
  /** Default 2 s. */
  readonly maxBackoffMs: number;
  /** Default 2. */
  readonly backoffMultiplier: number;
  /** Default: UNAVAILABLE only (the one code that promises no processing happened). */
  readonly retryableCodes: ReadonlySet<Code>;
}

/** Documented defaults of {@link RetryPolicy}. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 50,
  maxBackoffMs: 2_000,
  backoffMultiplier: 2,
  retryableCodes: new Set([Code.Unavailable]),
};

/** gRFC A6's hard limit on attempts, whatever a policy says. */
export const maxAttemptsLimit = 5;

/**
 * The wait before retry number `retry` (1-based): a random value in
 * [0, min(initial * multiplier^(retry-1), max)) — "full jitter" as A6 specifies,
 * so retrying clients do not stampede in step.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random = Math.random): number {
  const ceiling = Math.min(policy.initialBackoffMs * policy.backoffMultiplier ** (retry - 1), policy.maxBackoffMs);
  return random() * ceiling;
}

/**
 * Reads `grpc-retry-pushback-ms` from the trailers of a failed attempt.
 * - absent: undefined (use the policy's backoff);
 * - a non-negative integer: wait exactly that long;
 * - negative or unparseable: "do not retry" (A6) — returned as "stop".
 * grpc-js 1.14.7 treats an unparseable value as absent, which is why the mesh
 * owns retries instead of enabling grpc-js's.
 */
export function pushback(trailer: Headers | undefined): number | "stop" | undefined {
  const raw = trailer?.get("grpc-retry-pushback-ms");
  if (raw === null || raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) return "stop";
  const value = Number(raw.trim());
  return Number.isSafeInteger(value) ? value : "stop";
}

/** True when a failed attempt may be retried by code (the other conditions are checked by the caller). */
export function retryableCode(policy: RetryPolicy, error: unknown): error is ConnectError {
  return error instanceof ConnectError && policy.retryableCodes.has(error.code);
}

const committedErrors = new WeakSet<object>();

/**
 * Marks the error of an attempt that failed after the server's response
 * headers had arrived: gRFC A6 counts the call as committed from then on, so
 * it is never retried, whatever its code.
 */
export function markCommitted(error: ConnectError): ConnectError {
  committedErrors.add(error);
  return error;
}

/** True for the error of an attempt that failed after its response had begun (see markCommitted). */
export function isCommitted(error: unknown): boolean {
  return typeof error === "object" && error !== null && committedErrors.has(error);
}
