import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/player/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each player ErrorReason (see errors.proto). */
export const playerErrors: DomainErrorMapping = {
  domain: "player.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.NAME_TAKEN]: Code.AlreadyExists,
    [ErrorReason.CHARACTER_LIMIT_REACHED]: Code.FailedPrecondition,
    [ErrorReason.CHARACTER_DEFEATED]: Code.FailedPrecondition,
    [ErrorReason.INSUFFICIENT_MANA]: Code.FailedPrecondition,
    [ErrorReason.INVALID_POSITION]: Code.InvalidArgument,
  },
};
