import type { ServiceImpl } from "@connectrpc/connect";
import type { WorldInternalService } from "@chaos/gen/chaos/world/v1/world_internal_service_pb.js";
import type { Captures } from "../core/captures.js";

/** The internal face: operators run a capture tick by hand (it applies once per capture, whoever runs it). */
export function createWorldInternalHandlers(captures: Captures): ServiceImpl<typeof WorldInternalService> {
  return {
    async runCaptureTick(request) {
      const outcome = await captures.tick(Number(request.tick), { wait: true });
      return { capturesAdvanced: outcome.advanced, capturesDecided: outcome.decided };
    },
  };
}
