import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/payment/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each payment ErrorReason (see errors.proto). */
export const paymentErrors: DomainErrorMapping = {
  domain: "payment.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.PRODUCT_NOT_FOUND]: Code.NotFound,
    [ErrorReason.ORDER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.INVALID_ORDER_STATE]: Code.FailedPrecondition,
    [ErrorReason.REFUND_WINDOW_CLOSED]: Code.FailedPrecondition,
    [ErrorReason.REFUND_ALREADY_REQUESTED]: Code.AlreadyExists,
    [ErrorReason.UNSUPPORTED_CURRENCY]: Code.InvalidArgument,
    [ErrorReason.IDEMPOTENCY_KEY_REUSED]: Code.AlreadyExists,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.REFUND_NOT_FOUND]: Code.NotFound,
    [ErrorReason.INVALID_REFUND_STATE]: Code.FailedPrecondition,
    [ErrorReason.ADMIN_REQUIRED]: Code.PermissionDenied,
    [ErrorReason.SIGNATURE_MISSING]: Code.Unauthenticated,
    [ErrorReason.SIGNATURE_MISMATCH]: Code.Unauthenticated,
    [ErrorReason.SIGNATURE_TIMESTAMP_OUTSIDE_TOLERANCE]: Code.Unauthenticated,
    [ErrorReason.MALFORMED_EVENT]: Code.InvalidArgument,
    [ErrorReason.TOO_MANY_PENDING_ORDERS]: Code.ResourceExhausted,
  },
};
