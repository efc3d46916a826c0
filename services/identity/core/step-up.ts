import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore, IdentityTransaction } from "../store/identity-store.js";
import type { AccountRecord } from "./account.js";
import { accountLocked, loginFailed } from "./identity-events.js";
import { accountLockedError, type HeldFailures, type LoginGuard } from "./lockout.js";
import { verifyPassword } from "./password-hash.js";

/**
 * The proof, beyond the access token, that the account's owner asks for a
 * change to how the account is logged into (TOTP, passkeys): a stolen access
 * token alone must not bind the thief's authenticator, take the recovery
 * codes, or turn a second factor off.
 */
export interface StepUp {
  /** The account's current password; empty when none was given. */
  readonly password: string;
  /** The caller's address, where the gateway forwarded it. */
  readonly ipAddress: string;
}

/** A change made on the locked account row once the step-up held; a DomainError it returns is thrown after the transaction commits. */
export type SteppedUpChange<T> = (tx: IdentityTransaction, account: AccountRecord, held: HeldFailures, now: number) => Promise<T | DomainError>;

/** Runs `change` after checking `stepUp`'s password (see {@link createStepUp}). */
export type WithStepUp = <T>(accountId: string, stepUp: StepUp, change: SteppedUpChange<T>) => Promise<T>;

/**
 * Step-up checks against `store`. Wrong passwords count towards the lock like
 * failed logins (and are published as such), or a stolen token would be a
 * password-guessing oracle; the refusal commits before it is thrown.
 */
export function createStepUp(store: IdentityStore, guard: LoginGuard): WithStepUp {
  return async (accountId, stepUp, change) => {
    if (stepUp.password === "") throw new DomainError(ErrorReason.STEP_UP_REQUIRED, "this change needs your current password");
    const known = await store.accounts.byId(accountId);
    if (known === undefined) throw new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
    const lockedAtStart = await guard.lockedFor(known.email, stepUp.ipAddress, Date.now());
    const passwordMatches = lockedAtStart === undefined && (await verifyPassword(stepUp.password, known.passwordHash));
    const outcome = await store.transaction(async (tx) => {
      const now = Date.now();
      const held = await guard.hold(tx, known.email, stepUp.ipAddress, now);
      const account = await tx.accounts.lock(accountId);
      if (account === undefined) return new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
      const lockedFor = held.lockedFor ?? lockedAtStart;
      if (lockedFor !== undefined) return accountLockedError(lockedFor);
      if (!passwordMatches) {
        const counted = await held.countFailure();
        const lockedEvent = counted.lockedUntil === undefined ? [] : [accountLocked(accountId, counted.lockedUntil)];
        await tx.publish([loginFailed(accountId, stepUp.ipAddress, ErrorReason.INVALID_CREDENTIALS, counted.failureCount, now), ...lockedEvent]);
        return new DomainError(ErrorReason.INVALID_CREDENTIALS, "the password is wrong");
      }
      return change(tx, account, held, now);
    });
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  };
}
