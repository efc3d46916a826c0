import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/gateway/v1/errors_pb.js";
import { ErrorInfoSchema, RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { unhealthyCodes } from "@chaos/mesh/client";
import { errorInfoOf, errorWithReason, reasonName, type TokenRefusalReason } from "@chaos/mesh/server";

/** The ErrorInfo domain of the gateway's own errors. */
const gatewayDomain = "gateway.chaos.world";

/** How the mesh reports refused tokens at the gateway: the gateway's UNAUTHENTICATED reason. */
export const tokenRefusal: TokenRefusalReason = { reason: reasonName(ErrorReasonSchema, ErrorReason.UNAUTHENTICATED), domain: gatewayDomain };

/** UNAUTHENTICATED with the gateway's reason; `tokenError` says why ("missing", "revoked"), as the mesh does for bad tokens. */
export function unauthenticated(tokenError: string, message: string): ConnectError {
  return errorWithReason(Code.Unauthenticated, message, { ...tokenRefusal, metadata: { token_error: tokenError } });
}

/**
 * RESOURCE_EXHAUSTED with ErrorInfo RATE_LIMITED (metadata "limit") and a
 * google.rpc.RetryInfo saying how long to wait, so clients back off exactly
 * as long as needed instead of guessing.
 */
export function rateLimited(limit: string, retryAfterMs: number, message: string, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, Code.ResourceExhausted, undefined, [
    {
      desc: ErrorInfoSchema,
      value: create(ErrorInfoSchema, { reason: reasonName(ErrorReasonSchema, ErrorReason.RATE_LIMITED), domain: gatewayDomain, metadata: { ...metadata, limit } }),
    },
    { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(Math.max(1, retryAfterMs)) }) },
  ]);
}

/** UNAVAILABLE with RATE_LIMITER_UNAVAILABLE and RetryInfo: a strictly limited call while the limiter cannot answer. */
export function limiterUnavailable(retryAfterMs: number, message: string): ConnectError {
  return new ConnectError(message, Code.Unavailable, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: reasonName(ErrorReasonSchema, ErrorReason.RATE_LIMITER_UNAVAILABLE), domain: gatewayDomain }) },
    { desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(retryAfterMs) }) },
  ]);
}

/** UNAVAILABLE with UPSTREAM_UNAVAILABLE: the owning service cannot answer now (down, or its breaker is open). */
export function upstreamUnavailable(owner: string): ConnectError {
  return errorWithReason(Code.Unavailable, `the ${owner} service is unavailable right now; retry shortly`, {
    reason: reasonName(ErrorReasonSchema, ErrorReason.UPSTREAM_UNAVAILABLE),
    domain: gatewayDomain,
    metadata: { service: owner },
  });
}

/**
 * What the client sees of a failed upstream call. The owner's answer keeps
 * its code, message and details (its ErrorInfo, BadRequest); only the
 * transport metadata of the internal hop is left behind. An UNAVAILABLE
 * without a reason of the owner's (connection refused, breaker open) becomes
 * the gateway's UPSTREAM_UNAVAILABLE.
 */
export function fromUpstream(owner: string, error: unknown): unknown {
  if (!(error instanceof ConnectError)) return error;
  if (error.code === Code.Unavailable && errorInfoOf(error) === undefined) return upstreamUnavailable(owner);
  const passed = new ConnectError(error.rawMessage, error.code, undefined, undefined, error);
  passed.details = error.details;
  return passed;
}

/**
 * What the client sees when a call the gateway makes for itself (a session
 * check) fails: an unhealthy upstream is UPSTREAM_UNAVAILABLE; anything else
 * is the gateway's fault (say, a policy that refuses it) and stays in the log.
 */
export function fromOwnCall(owner: string, error: unknown): ConnectError {
  if (error instanceof ConnectError && unhealthyCodes.has(error.code)) return upstreamUnavailable(owner);
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}
