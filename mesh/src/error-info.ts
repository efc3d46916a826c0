import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { reasonName } from "./domain/reason-name.js";
import { isTransientFailure } from "./transient-failure.js";
import { ErrorInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";

/** What a client branches on: an ErrorReason enum value's name and its domain (AIP-193). */
export interface ErrorReasonInfo {
  /** The enum value's name, e.g. "ERROR_REASON_ON_COOLDOWN". */
  readonly reason: string;
  /** "<service>.chaos.world". */
  readonly domain: string;
  /** Values the client may need, e.g. { remaining_ms: "1200" }. */
  readonly metadata?: Record<string, string>;
}

/**
 * A ConnectError carrying a google.rpc.ErrorInfo detail, the way handlers
 * report errors a client must branch on. Both faces send the detail in
 * `grpc-status-details-bin` (Connect protocol: in the JSON error body).
 */
export function errorWithReason(code: Code, message: string, info: ErrorReasonInfo): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: info.reason, domain: info.domain, metadata: info.metadata ?? {} }) },
  ]);
}

/** The ErrorInfo of an error, if it carries one. */
export function errorInfoOf(error: unknown): ErrorReasonInfo | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const [info] = error.findDetails(ErrorInfoSchema);
  return info === undefined ? undefined : { reason: info.reason, domain: info.domain, metadata: { ...info.metadata } };
}

/**
 * Converts anything a handler threw into what the caller may see: a
 * ConnectError passes through; a dependency that is away (PostgreSQL or Redis
 * unreachable, a connection dropped) becomes UNAVAILABLE, which the caller may
 * retry; anything else becomes INTERNAL. Both with a fixed message, because an
 * unexpected exception's text can leak internals; the original stays as
 * `cause` for the logs.
 */
export function toCallerError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isTransientFailure(error)) return new ConnectError("a dependency of the service is unavailable; try again shortly", Code.Unavailable, undefined, undefined, error);
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

export { reasonName };
