import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/matchmaking/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each matchmaking ErrorReason (see errors.proto). */
export const matchmakingErrors: DomainErrorMapping = {
  domain: "matchmaking.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.ALREADY_QUEUED]: Code.AlreadyExists,
    [ErrorReason.TICKET_NOT_FOUND]: Code.NotFound,
    [ErrorReason.MATCH_NOT_FOUND]: Code.NotFound,
    [ErrorReason.READY_CHECK_CLOSED]: Code.FailedPrecondition,
    [ErrorReason.RESULT_CONFLICT]: Code.AlreadyExists,
    [ErrorReason.NOT_ELIGIBLE]: Code.FailedPrecondition,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.INVALID_RESULT]: Code.InvalidArgument,
    [ErrorReason.QUEUE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.PARTY_TOO_LARGE]: Code.InvalidArgument,
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.REGION_NOT_SERVED]: Code.InvalidArgument,
    [ErrorReason.SEASON_NOT_FOUND]: Code.NotFound,
  },
};
