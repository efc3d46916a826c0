import { Code, ConnectError } from "@connectrpc/connect";

/**
 * SQLSTATE classes and codes that say "try again later", not "this event is
 * bad": connection exceptions (08), transaction rollbacks such as
 * serialization failures and deadlocks (40), insufficient resources (53),
 * operator intervention such as a server shutting down or a cancelled
 * statement (57), and a lock not available (55P03).
 */
const transientSqlStateClasses = new Set(["08", "40", "53", "57"]);
const transientSqlStates = new Set(["55P03"]);

/** Socket errors of a dependency that is away for now. */
const transientSocketErrors = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** Status codes of a called service that say it may work on a later try (gRFC A6's retryable set plus the overloaded and timed out). */
const transientCallCodes = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted]);

/**
 * node-postgres and ioredis report a lost connection (or a command that
 * timed out waiting for one) with messages, not codes. Matched here only, and
 * only these: anything else is the work's fault until shown otherwise.
 */
const lostConnectionMessages = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection is closed/i, /^Command timed out$/];

/** ioredis's error when a command outlived its retries while Redis was unreachable (maxRetriesPerRequest). */
const lostConnectionErrorNames = new Set(["MaxRetriesPerRequestError"]);

/**
 * Whether a failure is the world's (a database or service away for a while:
 * wait, try again) rather than the work's own (a bug, a poison message). A
 * consumer waits out the first and dead-letters the second; a server answers
 * the first UNAVAILABLE, which callers may retry, and the second INTERNAL.
 * Errors that say neither count as the work's own, so an unknown bug cannot
 * stall a partition forever or be retried by every client.
 */
export function isTransientFailure(error: unknown): boolean {
  if (error instanceof ConnectError) return transientCallCodes.has(error.code);
  if (typeof error !== "object" || error === null) return false;
  if (error instanceof Error && lostConnectionErrorNames.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code.length === 5 && (transientSqlStateClasses.has(code.slice(0, 2)) || transientSqlStates.has(code))) return true;
    if (transientSocketErrors.has(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === "string" && lostConnectionMessages.some((pattern) => pattern.test(message))) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isTransientFailure(cause);
}
