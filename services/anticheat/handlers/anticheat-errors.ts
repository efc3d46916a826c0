import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/anticheat/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each anticheat ErrorReason (see errors.proto). */
export const anticheatErrors: DomainErrorMapping = {
  domain: "anticheat.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.NOT_A_MODERATOR]: Code.PermissionDenied,
    [ErrorReason.ACTION_NOT_FOUND]: Code.NotFound,
    [ErrorReason.APPEAL_NOT_FOUND]: Code.NotFound,
    [ErrorReason.APPEAL_ALREADY_OPEN]: Code.AlreadyExists,
    [ErrorReason.ACTION_NOT_ACTIVE]: Code.FailedPrecondition,
    [ErrorReason.CASE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.ALREADY_RESOLVED]: Code.FailedPrecondition,
    [ErrorReason.INVALID_DURATION]: Code.InvalidArgument,
  },
};
