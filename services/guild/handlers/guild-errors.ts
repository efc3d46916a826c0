import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/guild/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each guild ErrorReason (see errors.proto). */
export const guildErrors: DomainErrorMapping = {
  domain: "guild.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.GUILD_NOT_FOUND]: Code.NotFound,
    [ErrorReason.NAME_TAKEN]: Code.AlreadyExists,
    [ErrorReason.TAG_TAKEN]: Code.AlreadyExists,
    [ErrorReason.ALREADY_IN_GUILD]: Code.FailedPrecondition,
    [ErrorReason.NOT_A_MEMBER]: Code.FailedPrecondition,
    [ErrorReason.MEMBER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.PERMISSION_MISSING]: Code.PermissionDenied,
    [ErrorReason.RANK_TOO_LOW]: Code.PermissionDenied,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.INVITE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.INVITE_EXPIRED]: Code.FailedPrecondition,
    [ErrorReason.GUILD_FULL]: Code.FailedPrecondition,
    [ErrorReason.TOO_MANY_PENDING]: Code.FailedPrecondition,
    [ErrorReason.LEADER_CANNOT_LEAVE]: Code.FailedPrecondition,
    [ErrorReason.INSUFFICIENT_FUNDS]: Code.FailedPrecondition,
    [ErrorReason.INSUFFICIENT_BANK_FUNDS]: Code.FailedPrecondition,
    [ErrorReason.WITHDRAWAL_LIMIT_EXCEEDED]: Code.FailedPrecondition,
    [ErrorReason.IDEMPOTENCY_KEY_REUSED]: Code.AlreadyExists,
    [ErrorReason.SETTLEMENT_PENDING]: Code.Unavailable,
    [ErrorReason.GUILD_DISBANDING]: Code.FailedPrecondition,
    [ErrorReason.ROLE_NOT_FOUND]: Code.NotFound,
    [ErrorReason.ROLE_CONFLICT]: Code.AlreadyExists,
    [ErrorReason.ROLE_PROTECTED]: Code.FailedPrecondition,
    [ErrorReason.ROLE_IN_USE]: Code.FailedPrecondition,
    [ErrorReason.TOO_MANY_ROLES]: Code.FailedPrecondition,
    [ErrorReason.GUILD_INVITE_ONLY]: Code.FailedPrecondition,
    [ErrorReason.JOIN_REQUEST_NOT_FOUND]: Code.NotFound,
    [ErrorReason.SELF_TARGET]: Code.InvalidArgument,
    [ErrorReason.NOT_LEADER]: Code.PermissionDenied,
  },
};
