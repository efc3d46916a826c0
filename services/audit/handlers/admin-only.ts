import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { actsAsAdmin, principalOf } from "@chaos/mesh/server";

/**
 * Who may read the audit log: an admin (kind "admin", or the "admin" role),
 * or the operator workload calling with no end user (an operator's grpcurl).
 * An end user always decides: the operator forwarding a player's token acts
 * as that player.
 */
export function requireAdmin(context: HandlerContext): void {
  if (actsAsAdmin(context)) return;
  if (principalOf(context) === undefined) throw new ConnectError("the audit log needs an admin's access token", Code.Unauthenticated);
  throw new ConnectError("the audit log is for admins only", Code.PermissionDenied);
}
