import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/chat/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each chat ErrorReason (see errors.proto). */
export const chatErrors: DomainErrorMapping = {
  domain: "chat.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.CHANNEL_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NOT_A_MEMBER]: Code.PermissionDenied,
    [ErrorReason.MUTED]: Code.PermissionDenied,
    [ErrorReason.RATE_LIMITED]: Code.ResourceExhausted,
    [ErrorReason.MESSAGE_TOO_LONG]: Code.InvalidArgument,
    [ErrorReason.MESSAGE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NOT_A_MODERATOR]: Code.PermissionDenied,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.DUPLICATE_MESSAGE]: Code.ResourceExhausted,
    [ErrorReason.BLOCKED]: Code.PermissionDenied,
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.PARTY_FULL]: Code.FailedPrecondition,
    [ErrorReason.NOT_INVITED]: Code.PermissionDenied,
    [ErrorReason.WRONG_CHANNEL_KIND]: Code.FailedPrecondition,
    [ErrorReason.SELF_TARGET]: Code.InvalidArgument,
    [ErrorReason.TOO_MANY_STREAMS]: Code.ResourceExhausted,
    [ErrorReason.TOO_MANY_FRIENDS]: Code.FailedPrecondition,
    [ErrorReason.IDEMPOTENCY_KEY_REUSED]: Code.AlreadyExists,
    [ErrorReason.TEXT_REFUSED]: Code.InvalidArgument,
  },
};
