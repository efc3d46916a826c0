import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each trading ErrorReason (see errors.proto). */
export const tradingErrors: DomainErrorMapping = {
  domain: "trading.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.TRADE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NOT_TRADE_PARTY]: Code.PermissionDenied,
    [ErrorReason.INVALID_TRADE_STATE]: Code.FailedPrecondition,
    [ErrorReason.SELF_TRADE]: Code.InvalidArgument,
    [ErrorReason.ASSETS_UNAVAILABLE]: Code.FailedPrecondition,
    [ErrorReason.TRADE_EXPIRED]: Code.FailedPrecondition,
    [ErrorReason.TOO_MANY_OPEN_TRADES]: Code.ResourceExhausted,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.EMPTY_TRADE]: Code.InvalidArgument,
    [ErrorReason.IDEMPOTENCY_KEY_REUSED]: Code.AlreadyExists,
    [ErrorReason.RATE_LIMITED]: Code.ResourceExhausted,
    [ErrorReason.TRADING_RESTRICTED]: Code.PermissionDenied,
  },
};
