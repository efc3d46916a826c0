import { Code } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/progression/v1/errors_pb.js";
import type { DomainErrorMapping } from "@chaos/mesh/server";

/** The status code of each progression ErrorReason (see errors.proto). */
export const progressionErrors: DomainErrorMapping = {
  domain: "progression.chaos.world",
  reasons: ErrorReasonSchema,
  codes: {
    [ErrorReason.CHARACTER_NOT_FOUND]: Code.NotFound,
    [ErrorReason.REBUILD_IN_PROGRESS]: Code.Aborted,
    [ErrorReason.NOT_RANKED]: Code.NotFound,
  },
};
