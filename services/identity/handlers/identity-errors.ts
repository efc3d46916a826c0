import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each identity ErrorReason (see errors.proto). */
export const identityErrors: DomainErrorMapping = {
  domain: "identity.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.INVALID_CREDENTIALS]: Code.Unauthenticated,
    [ErrorReason.ACCOUNT_LOCKED]: Code.ResourceExhausted,
    [ErrorReason.EMAIL_TAKEN]: Code.AlreadyExists,
    [ErrorReason.WEAK_PASSWORD]: Code.InvalidArgument,
    [ErrorReason.MFA_REQUIRED]: Code.FailedPrecondition,
    [ErrorReason.INVALID_MFA_CODE]: Code.Unauthenticated,
    [ErrorReason.MFA_CODE_REPLAYED]: Code.Unauthenticated,
    [ErrorReason.MFA_ALREADY_ENABLED]: Code.FailedPrecondition,
    [ErrorReason.MFA_NOT_ENROLLED]: Code.FailedPrecondition,
    [ErrorReason.INVALID_REFRESH_TOKEN]: Code.Unauthenticated,
    [ErrorReason.REFRESH_TOKEN_REUSED]: Code.Unauthenticated,
    [ErrorReason.SESSION_NOT_FOUND]: Code.NotFound,
    [ErrorReason.ACCOUNT_NOT_FOUND]: Code.NotFound,
    [ErrorReason.STEP_UP_REQUIRED]: Code.FailedPrecondition,
    [ErrorReason.LOGIN_RATE_LIMITED]: Code.ResourceExhausted,
    [ErrorReason.ACCOUNT_SUSPENDED]: Code.PermissionDenied,
    [ErrorReason.ACCOUNT_BANNED]: Code.PermissionDenied,
    [ErrorReason.PASSKEY_CEREMONY_EXPIRED]: Code.FailedPrecondition,
    [ErrorReason.PASSKEY_NOT_VERIFIED]: Code.Unauthenticated,
    [ErrorReason.PASSKEY_MALFORMED]: Code.InvalidArgument,
    [ErrorReason.PASSKEY_ALREADY_REGISTERED]: Code.AlreadyExists,
    [ErrorReason.PASSKEY_LIMIT_REACHED]: Code.FailedPrecondition,
    [ErrorReason.PASSKEY_NOT_FOUND]: Code.NotFound,
  },
};
