import type { ServiceImpl } from "@connectrpc/connect";
import type { ProgressionInternalService } from "@chaos/gen/chaos/progression/v1/progression_internal_service_pb.js";
import type { Progression } from "../core/progression.js";
import { toProgress } from "./progress-messages.js";

/** The internal API: other services (by workload identity, see authorization.json) grant experience. */
export function createProgressionInternalHandlers(progression: Progression): ServiceImpl<typeof ProgressionInternalService> {
  return {
    async grantExperience(request) {
      const outcome = await progression.grantExperience(request.characterId, Number(request.experience), request.sourceEventId);
      return { progress: toProgress(outcome.progress), duplicate: outcome.duplicate };
    },
  };
}
