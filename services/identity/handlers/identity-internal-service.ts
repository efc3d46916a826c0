import type { ServiceImpl } from "@connectrpc/connect";
import type { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { roleNamesOf } from "../core/account.js";
import type { Accounts } from "../core/accounts.js";
import type { KeyRing } from "../core/key-ring.js";
import type { Sessions } from "../core/sessions.js";
import { toAccountMessage, toPublicKeyMessage } from "./identity-messages.js";

/** The internal API: verification keys for every service, session checks for the gateway, account facts. */
export function createIdentityInternalHandlers(accounts: Accounts, sessions: Sessions, keys: KeyRing): ServiceImpl<typeof IdentityInternalService> {
  return {
    async listPublicKeys() {
      return { keys: (await keys.published()).map(toPublicKeyMessage) };
    },
    async getAccountById(request) {
      return { account: toAccountMessage(await accounts.get(request.accountId)) };
    },
    async checkSession(request) {
      return { active: await sessions.isOpen(request.sessionId) };
    },
    async setAccountRoles(request) {
      const target = request.account;
      const account = target.case === "email" ? await accounts.getByEmail(target.value) : await accounts.get(target.value ?? "");
      const changed = await accounts.setRoles(account.accountId, roleNamesOf(request.roles), request.reason);
      return { account: toAccountMessage(changed.account), revokedSessions: changed.revokedSessions };
    },
  };
}
