import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { actsAsAdmin, principalOf } from "@chaos/mesh/server";

/**
 * Who may read analytics: an admin, or the operator workload calling with
 * no end user (an operator's grpcurl). A player's token is refused: the
 * aggregates describe every player's activity.
 */
export function requireAdmin(context: HandlerContext): void {
  if (actsAsAdmin(context)) return;
  if (principalOf(context) === undefined) throw new ConnectError("analytics needs an admin's access token", Code.Unauthenticated);
  throw new ConnectError("analytics is for admins only", Code.PermissionDenied);
}
