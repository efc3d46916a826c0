import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/notification/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each notification ErrorReason (see errors.proto). */
export const notificationErrors: DomainErrorMapping = {
  domain: "notification.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.INVALID_TIME_ZONE]: Code.InvalidArgument,
    [ErrorReason.INVALID_QUIET_HOURS]: Code.InvalidArgument,
    [ErrorReason.INVALID_WEBHOOK_URL]: Code.InvalidArgument,
    [ErrorReason.WEBHOOK_NOT_FOUND]: Code.NotFound,
    [ErrorReason.TOO_MANY_WEBHOOKS]: Code.FailedPrecondition,
    [ErrorReason.DELIVERY_NOT_FOUND]: Code.NotFound,
    [ErrorReason.DELIVERY_NOT_REPLAYABLE]: Code.FailedPrecondition,
    [ErrorReason.INVALID_UNSUBSCRIBE_TOKEN]: Code.InvalidArgument,
    [ErrorReason.ADMIN_REQUIRED]: Code.PermissionDenied,
    [ErrorReason.DUPLICATE_CATEGORY]: Code.InvalidArgument,
  },
};
