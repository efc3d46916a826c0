import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each liveops ErrorReason (see errors.proto). */
export const liveopsErrors: DomainErrorMapping = {
  domain: "liveops.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.EVENT_NOT_FOUND]: Code.NotFound,
    [ErrorReason.EVENT_NOT_ACTIVE]: Code.FailedPrecondition,
    [ErrorReason.EVENT_ALREADY_STARTED]: Code.FailedPrecondition,
    [ErrorReason.NOT_JOINED]: Code.FailedPrecondition,
    [ErrorReason.TIER_NOT_REACHED]: Code.FailedPrecondition,
    [ErrorReason.TIER_NOT_FOUND]: Code.InvalidArgument,
    [ErrorReason.INVALID_SCHEDULE]: Code.InvalidArgument,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.INVALID_TIERS]: Code.InvalidArgument,
    [ErrorReason.INVALID_GOAL]: Code.InvalidArgument,
    [ErrorReason.ADMIN_ONLY]: Code.PermissionDenied,
    [ErrorReason.EVENT_CANCELLED]: Code.FailedPrecondition,
    [ErrorReason.REWARD_REFUSED]: Code.FailedPrecondition,
  },
};
