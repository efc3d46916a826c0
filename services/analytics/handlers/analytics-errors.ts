import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/analytics/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each analytics ErrorReason (see errors.proto). */
export const analyticsErrors: DomainErrorMapping = {
  domain: "analytics.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.UNKNOWN_METRIC]: Code.InvalidArgument,
    [ErrorReason.UNKNOWN_DIMENSION]: Code.InvalidArgument,
    [ErrorReason.INVALID_TIME_RANGE]: Code.InvalidArgument,
    [ErrorReason.TIME_RANGE_TOO_WIDE]: Code.InvalidArgument,
    [ErrorReason.INVALID_PAGE_TOKEN]: Code.InvalidArgument,
    [ErrorReason.REBUILD_IN_PROGRESS]: Code.Aborted,
    [ErrorReason.REBUILD_NOT_FOUND]: Code.NotFound,
  },
};
