import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/world/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each world ErrorReason (see errors.proto). */
export const worldErrors: DomainErrorMapping = {
  domain: "world.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.ZONE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.TERRITORY_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NOT_AT_TERRITORY]: Code.FailedPrecondition,
    [ErrorReason.ALREADY_CONTROLLED]: Code.FailedPrecondition,
    [ErrorReason.CAPTURE_IN_PROGRESS]: Code.FailedPrecondition,
    [ErrorReason.NOT_A_GUILD_MEMBER]: Code.PermissionDenied,
    [ErrorReason.ZONE_CLOSED]: Code.FailedPrecondition,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.NOT_AN_ADMIN]: Code.PermissionDenied,
    [ErrorReason.CAPTURE_ID_REUSED]: Code.AlreadyExists,
    [ErrorReason.TOO_MANY_STREAMS]: Code.ResourceExhausted,
    [ErrorReason.TICK_IN_FUTURE]: Code.InvalidArgument,
  },
};
