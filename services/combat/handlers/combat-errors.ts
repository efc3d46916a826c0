import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/combat/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each combat ErrorReason (see errors.proto). */
export const combatErrors: DomainErrorMapping = {
  domain: "combat.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.ON_COOLDOWN]: Code.FailedPrecondition,
    [ErrorReason.INSUFFICIENT_MANA]: Code.FailedPrecondition,
    [ErrorReason.OUT_OF_RANGE]: Code.FailedPrecondition,
    [ErrorReason.TARGET_DEFEATED]: Code.FailedPrecondition,
    [ErrorReason.CASTER_DEFEATED]: Code.FailedPrecondition,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.SPELL_NOT_FOUND]: Code.NotFound,
    [ErrorReason.TARGET_NOT_FOUND]: Code.NotFound,
    [ErrorReason.DIFFERENT_ZONE]: Code.FailedPrecondition,
    [ErrorReason.SELF_TARGET]: Code.InvalidArgument,
  },
};
