import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import type { Accounts } from "../core/accounts.js";
import type { Login } from "../core/login.js";
import type { Mfa } from "../core/mfa.js";
import type { Passkeys } from "../core/passkeys.js";
import type { StepUp } from "../core/step-up.js";
import type { Sessions } from "../core/sessions.js";
import { clientFactsOf, requireSessionPrincipal } from "./call-facts.js";
import { toAccountMessage, toPasskeyMessage, toSessionMessage, toTokenPairMessage } from "./identity-messages.js";

/** What the public API works with. */
export interface IdentityServiceDependencies {
  readonly accounts: Accounts;
  readonly login: Login;
  readonly sessions: Sessions;
  readonly mfa: Mfa;
  readonly passkeys: Passkeys;
}

/** The step-up proof of a change to how the account is logged into. */
function stepUpOf(password: string, context: HandlerContext): StepUp {
  return { password, ipAddress: clientFactsOf(context, "").ipAddress };
}

/**
 * The public API (through the gateway): Register, Login, RefreshSession and
 * the passkey login need no access token; every other method acts on the caller's own account,
 * and only while the token's session is open.
 */
export function createIdentityHandlers(deps: IdentityServiceDependencies): ServiceImpl<typeof IdentityService> {
  const { accounts, login, sessions, mfa, passkeys } = deps;
  return {
    async register(request) {
      return { account: toAccountMessage(await accounts.register(request.email, request.password)) };
    },
    async login(request, context) {
      const result = await login.login({ email: request.email, password: request.password, mfaCode: request.mfaCode, client: clientFactsOf(context, request.userAgent) });
      return { account: toAccountMessage(result.account), tokens: toTokenPairMessage(result.tokens) };
    },
    async refreshSession(request, context) {
      return { tokens: toTokenPairMessage(await sessions.refresh(request.refreshToken, clientFactsOf(context, "").ipAddress)) };
    },
    async revokeSession(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      await sessions.revoke(subject, request.sessionId);
      return {};
    },
    async revokeAllSessions(_request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return { revokedCount: await sessions.revokeAll(subject) };
    },
    async listSessions(_request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return { sessions: (await sessions.listOpen(subject)).map(toSessionMessage) };
    },
    async getAccount(_request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return { account: toAccountMessage(await accounts.get(subject)) };
    },
    async enrollMfa(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return mfa.enroll(subject, stepUpOf(request.password, context));
    },
    async verifyMfa(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return { recoveryCodes: await mfa.verify(subject, request.code, stepUpOf(request.password, context)) };
    },
    async disableMfa(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      await mfa.disable(subject, request.code, stepUpOf(request.password, context));
      return {};
    },
    async beginPasskeyRegistration(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return passkeys.beginRegistration(subject, stepUpOf(request.password, context));
    },
    async finishPasskeyRegistration(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      const passkey = await passkeys.finishRegistration(subject, request.ceremonyId, request.credentialJson, request.name, clientFactsOf(context, "").ipAddress);
      return { passkey: toPasskeyMessage(passkey) };
    },
    async listPasskeys(_request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      return { passkeys: (await passkeys.list(subject)).map(toPasskeyMessage) };
    },
    async deletePasskey(request, context) {
      const { subject } = await requireSessionPrincipal(context, sessions);
      await passkeys.remove(subject, request.passkeyId, stepUpOf(request.password, context));
      return {};
    },
    async beginPasskeyLogin() {
      return passkeys.beginLogin();
    },
    async finishPasskeyLogin(request, context) {
      const result = await passkeys.finishLogin(request.ceremonyId, request.credentialJson, clientFactsOf(context, request.userAgent));
      return { account: toAccountMessage(result.account), tokens: toTokenPairMessage(result.tokens) };
    },
  };
}
