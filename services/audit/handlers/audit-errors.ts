import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/audit/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each audit ErrorReason (see errors.proto). */
export const auditErrors: DomainErrorMapping = {
  domain: "audit.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.RECORD_NOT_FOUND]: Code.NotFound,
    [ErrorReason.RECORD_CONFLICT]: Code.AlreadyExists,
    [ErrorReason.INVALID_TIME_RANGE]: Code.InvalidArgument,
    [ErrorReason.INVALID_SEQUENCE_RANGE]: Code.InvalidArgument,
  },
};
