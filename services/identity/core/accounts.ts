import { randomUUID } from "node:crypto";
import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore } from "../store/identity-store.js";
import { normalizeEmail, playerRole, type AccountRecord } from "./account.js";
import { accountRegistered, accountRolesChanged, sessionRevoked } from "./identity-events.js";
import { hashPassword } from "./password-hash.js";
import { passwordWeakness } from "./password-policy.js";

/** Registration and account look-ups. */
export interface Accounts {
  /** Creates a player account; refuses a weak password (WEAK_PASSWORD, metadata "rule") or a taken email (EMAIL_TAKEN). */
  register(email: string, password: string): Promise<AccountRecord>;
  /** The account, or ACCOUNT_NOT_FOUND. */
  get(accountId: string): Promise<AccountRecord>;
  /** The account with this email, or ACCOUNT_NOT_FOUND. */
  getByEmail(email: string): Promise<AccountRecord>;
  /**
   * Replaces the account's roles (names; "player" always stays), with an
   * AccountRolesChanged event. Taking a role away ends the account's open
   * sessions in the same transaction, so no token outlives it.
   */
  setRoles(accountId: string, roles: readonly string[], reason: string): Promise<{ account: AccountRecord; revokedSessions: number }>;
}

/** Accounts in `store`. */
export function createAccounts(store: IdentityStore): Accounts {
  return {
    async register(rawEmail, password) {
      const email = normalizeEmail(rawEmail);
      const weakness = passwordWeakness(password, email);
      if (weakness !== undefined) throw new DomainError(ErrorReason.WEAK_PASSWORD, weakPasswordMessages[weakness], { rule: weakness });
      const account: AccountRecord = {
        accountId: randomUUID(),
        email,
        passwordHash: await hashPassword(password),
        roles: [playerRole],
        mfaSecret: undefined,
        mfaEnabled: false,
        mfaLastStep: undefined,
        createdAt: new Date(),
      };
      return store.transaction(async (tx) => {
        if (!(await tx.accounts.insert(account))) throw new DomainError(ErrorReason.EMAIL_TAKEN, "an account with this email already exists");
        await tx.publish([accountRegistered(account.accountId, email, account.roles, account.createdAt.getTime())]);
        return account;
      });
    },
    async get(accountId) {
      const account = await store.accounts.byId(accountId);
      if (account === undefined) throw notFound();
      return account;
    },
    async getByEmail(email) {
      const account = await store.accounts.byEmail(normalizeEmail(email));
      if (account === undefined) throw notFound();
      return account;
    },
    setRoles: (accountId, wanted, reason) =>
      store.transaction(async (tx) => {
        const account = await tx.accounts.lock(accountId);
        if (account === undefined) throw notFound();
        const roles = [...new Set([playerRole, ...wanted])];
        const now = new Date();
        await tx.accounts.setRoles(accountId, roles);
        let revoked: string[] = [];
        if (account.roles.some((role) => !roles.includes(role))) {
          revoked = await tx.sessions.revokeOpen(accountId, "admin", now);
        }
        await tx.publish([
          accountRolesChanged(accountId, account.roles, roles, reason, now.getTime()),
          ...revoked.map((sessionId) => sessionRevoked(accountId, sessionId, "admin", now.getTime())),
        ]);
        return { account: { ...account, roles }, revokedSessions: revoked.length };
      }),
  };
}

function notFound(): DomainError {
  return new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
}

const weakPasswordMessages: Record<NonNullable<ReturnType<typeof passwordWeakness>>, string> = {
  min_length: "the password must be at least 12 characters long",
  character_variety: "a password shorter than 16 characters must mix letters, digits or symbols",
  contains_email: "the password must not contain the email address or its name part",
  common_password: "this password is among the first ones attackers try; choose another",
};
