import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ActionKind, ActionSchema, type Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { barsLogin, barsTrading } from "../../services/anticheat/core/responses.js";

/**
 * An anti-cheat action as anticheat publishes it, for the tests of the
 * services that enforce actions: what it bars is filled in by anticheat's own
 * rule, so a test's action bars exactly what the real one would.
 */
export function publishedAction(init: MessageInitShape<typeof ActionSchema>): Action {
  const kind = init.kind ?? ActionKind.UNSPECIFIED;
  return create(ActionSchema, { ...init, barsLogin: barsLogin(kind), barsTrading: barsTrading(kind) });
}
