import { randomBytes } from "node:crypto";
import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore, IdentityTransaction } from "../store/identity-store.js";
import { normalizeEmail, type AccountRecord } from "./account.js";
import { accountLocked, loginFailed } from "./identity-events.js";
import { accountLockedError, type HeldFailures, type LoginGuard } from "./lockout.js";
import { hashPassword, needsRehash, verifyPassword } from "./password-hash.js";
import { completeLogin, type LoginResult } from "./login-session.js";
import { checkSecondFactor, secondFactorMessages, type SecondFactorRefusal } from "./second-factor.js";
import type { SecretBox } from "./secret-box.js";
import type { ClientFacts } from "./session.js";
import type { Sessions } from "./sessions.js";

export type { LoginResult } from "./login-session.js";

/** One login attempt. */
export interface LoginAttempt {
  readonly email: string;
  readonly password: string;
  /** A TOTP or recovery code; empty when none was given. */
  readonly mfaCode: string;
  readonly client: ClientFacts;
}

/** Password (and second factor) checks that open sessions. */
export interface Login {
  /**
   * Opens a session when the credentials are right. A failure is counted per
   * (email, client address) and across addresses, for unknown emails alike, and
   * on a known account its LoginFailed event is published, even though the call
   * then fails: the count commits before the refusal is thrown.
   */
  login(attempt: LoginAttempt): Promise<LoginResult>;
}

/** What {@link createLogin} works with. */
export interface LoginDependencies {
  readonly store: IdentityStore;
  readonly sessions: Sessions;
  readonly box: SecretBox;
  readonly guard: LoginGuard;
}

const refusalMessages: Readonly<Record<ErrorReason.INVALID_CREDENTIALS | SecondFactorRefusal, string>> = {
  [ErrorReason.INVALID_CREDENTIALS]: "email or password is wrong",
  ...secondFactorMessages,
};

/** Logins against `store`; hashes a dummy password once at start-up (see below). */
export async function createLogin(deps: LoginDependencies): Promise<Login> {
  const { store, sessions, box, guard } = deps;
  // An unknown email is checked against this hash, so that it costs the same
  // scrypt as a known one and response times do not tell which emails have accounts.
  const dummyHash = await hashPassword(randomBytes(16).toString("hex"));

  const fail = async (tx: IdentityTransaction, held: HeldFailures, account: AccountRecord | undefined, reason: keyof typeof refusalMessages, ipAddress: string, now: number) => {
    const counted = await held.countFailure();
    if (account !== undefined) {
      const lockedEvent = counted.lockedUntil === undefined ? [] : [accountLocked(account.accountId, counted.lockedUntil)];
      await tx.publish([loginFailed(account.accountId, ipAddress, reason, counted.failureCount, now), ...lockedEvent]);
    }
    return new DomainError(reason, refusalMessages[reason]);
  };

  return {
    async login(attempt) {
      const now = Date.now();
      const email = normalizeEmail(attempt.email);
      const address = attempt.client.ipAddress;
      // Everything below treats an unknown email like a known one: the limiter, the lock, the hash and the answers.
      await guard.admit(email, now);
      const known = await store.accounts.byEmail(email);
      // While locked even the right password is refused, so there is no need to spend a hash on it.
      const lockedAtStart = await guard.lockedFor(email, address, now);
      const passwordMatches = lockedAtStart === undefined && (await verifyPassword(attempt.password, known?.passwordHash ?? dummyHash)) && known !== undefined;
      const upgradedHash = passwordMatches && needsRehash(known.passwordHash) ? await hashPassword(attempt.password) : undefined;

      const outcome = await store.transaction(async (tx) => {
        const held = await guard.hold(tx, email, address, now);
        const account = known === undefined ? undefined : await tx.accounts.lock(known.accountId);
        // Checked again: a concurrent attempt may have locked the email while this one was hashing.
        const lockedFor = held.lockedFor ?? lockedAtStart;
        if (lockedFor !== undefined) {
          if (account !== undefined) await tx.publish([loginFailed(account.accountId, address, ErrorReason.ACCOUNT_LOCKED, held.failureCount, now)]);
          return accountLockedError(lockedFor);
        }
        if (!passwordMatches || account === undefined) return fail(tx, held, account, ErrorReason.INVALID_CREDENTIALS, address, now);
        if (account.mfaEnabled) {
          if (attempt.mfaCode === "") return new DomainError(ErrorReason.MFA_REQUIRED, "this account needs an MFA code: a TOTP code or a recovery code");
          const refusal = await checkSecondFactor(tx, account, attempt.mfaCode, box, now);
          if (refusal !== undefined) return fail(tx, held, account, refusal, address, now);
        }
        await held.clear();
        if (upgradedHash !== undefined) await tx.accounts.replacePasswordHash(account.accountId, known!.passwordHash, upgradedHash);
        return completeLogin(tx, sessions, account, attempt.client, { method: "password", mfaUsed: account.mfaEnabled }, now);
      });
      if (outcome instanceof DomainError) throw outcome;
      return outcome;
    },
  };
}
