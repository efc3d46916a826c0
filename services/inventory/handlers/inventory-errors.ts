import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each inventory ErrorReason (see errors.proto). */
export const inventoryErrors: DomainErrorMapping = {
  domain: "inventory.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.INSUFFICIENT_FUNDS]: Code.FailedPrecondition,
    [ErrorReason.ITEM_NOT_FOUND]: Code.NotFound,
    [ErrorReason.INSUFFICIENT_QUANTITY]: Code.FailedPrecondition,
    [ErrorReason.ITEM_LOCKED]: Code.FailedPrecondition,
    [ErrorReason.HOLD_NOT_FOUND]: Code.NotFound,
    [ErrorReason.IDEMPOTENCY_KEY_REUSED]: Code.AlreadyExists,
    [ErrorReason.UNKNOWN_ITEM_DEFINITION]: Code.InvalidArgument,
    [ErrorReason.NOT_CHARACTER_OWNER]: Code.PermissionDenied,
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.SAME_ACCOUNT]: Code.InvalidArgument,
    // As trading's TRADING_RESTRICTED: the player is not allowed, whatever they retry.
    [ErrorReason.GOLD_TRANSFER_RESTRICTED]: Code.PermissionDenied,
  },
};
