import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore, IdentityTransaction } from "../store/identity-store.js";
import { mfaSecretContext, type AccountRecord } from "./account.js";
import { accountLocked, loginFailed, mfaCheckFailed, mfaDisabled, mfaEnabled, mfaEnrollmentStarted } from "./identity-events.js";
import { accountLockedError, type HeldFailures, type LoginGuard } from "./lockout.js";
import { verifyPassword } from "./password-hash.js";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import { checkSecondFactor, checkTotp, secondFactorMessages } from "./second-factor.js";
import type { SecretBox } from "./secret-box.js";
import { newTotpSecret, totpUri } from "./totp.js";

/** What an authenticator app needs. */
export interface MfaEnrolment {
  /** Base32, for manual entry. */
  readonly secret: string;
  readonly otpauthUri: string;
}

/**
 * The proof, beyond the access token, that the account's owner asks for an
 * MFA change: a stolen access token alone must not bind the thief's
 * authenticator, take the recovery codes or turn the second factor off.
 */
export interface StepUp {
  /** The account's current password; empty when none was given. */
  readonly password: string;
  /** The caller's address, where the gateway forwarded it. */
  readonly ipAddress: string;
}

/** TOTP MFA of an account (RFC 6238); every change needs the password again ({@link StepUp}). */
export interface Mfa {
  /** Starts (or restarts) enrolment with a new secret; MFA is not on until verify(). */
  enroll(accountId: string, stepUp: StepUp): Promise<MfaEnrolment>;
  /** Turns MFA on with a first valid code; returns the recovery codes, shown this once. */
  verify(accountId: string, code: string, stepUp: StepUp): Promise<string[]>;
  /**
   * Turns MFA off given a current TOTP or recovery code. Wrong codes count
   * towards the lock like failed logins (per email and caller address, and
   * across addresses), so a stolen access token cannot guess its way past the
   * second factor.
   */
  disable(accountId: string, code: string, stepUp: StepUp): Promise<void>;
}

type Change<T> = (tx: IdentityTransaction, account: AccountRecord, held: HeldFailures, now: number) => Promise<T | DomainError>;

/** MFA in `store`, secrets sealed with `box`; failed checks count in `guard` like failed logins. */
export function createMfa(store: IdentityStore, box: SecretBox, guard: LoginGuard): Mfa {
  /**
   * Runs `change` on the locked account row once the step-up password is
   * right. Wrong passwords count towards the lock like failed logins (and are
   * published as such), or a stolen token would be a password-guessing oracle.
   */
  async function withStepUp<T>(accountId: string, stepUp: StepUp, change: Change<T>): Promise<T> {
    if (stepUp.password === "") throw new DomainError(ErrorReason.STEP_UP_REQUIRED, "changing two-factor authentication needs your current password");
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
  }

  return {
    async enroll(accountId, stepUp) {
      return withStepUp(accountId, stepUp, async (tx, account, _held, now) => {
        if (account.mfaEnabled) return new DomainError(ErrorReason.MFA_ALREADY_ENABLED, "MFA is already on; disable it first to enrol a new authenticator");
        const secret = newTotpSecret();
        await tx.accounts.setMfaSecret(accountId, box.seal(Buffer.from(secret, "utf8"), mfaSecretContext(accountId)));
        await tx.publish([mfaEnrollmentStarted(accountId, stepUp.ipAddress, now)]);
        return { secret, otpauthUri: totpUri(secret, account.email) };
      });
    },
    async verify(accountId, code, stepUp) {
      return withStepUp(accountId, stepUp, async (tx, account, _held, now) => {
        if (account.mfaEnabled) return new DomainError(ErrorReason.MFA_ALREADY_ENABLED, "MFA is already on");
        if (account.mfaSecret === undefined) return new DomainError(ErrorReason.MFA_NOT_ENROLLED, "call EnrollMfa first");
        const refusal = await checkTotp(tx, account, code, box, now);
        if (refusal !== undefined) {
          await tx.publish([mfaCheckFailed(accountId, stepUp.ipAddress, "verify", refusal, now)]);
          return new DomainError(refusal, secondFactorMessages[refusal]);
        }
        const codes = generateRecoveryCodes();
        await tx.accounts.enableMfa(accountId, codes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c)!)));
        await tx.publish([mfaEnabled(accountId, stepUp.ipAddress, now)]);
        return codes;
      });
    },
    async disable(accountId, code, stepUp) {
      await withStepUp(accountId, stepUp, async (tx, account, held, now) => {
        if (!account.mfaEnabled) return new DomainError(ErrorReason.MFA_NOT_ENROLLED, "MFA is not on");
        const refusal = await checkSecondFactor(tx, account, code, box, now);
        if (refusal !== undefined) {
          const counted = await held.countFailure();
          const lockedEvent = counted.lockedUntil === undefined ? [] : [accountLocked(accountId, counted.lockedUntil)];
          await tx.publish([mfaCheckFailed(accountId, stepUp.ipAddress, "disable", refusal, now), ...lockedEvent]);
          return new DomainError(refusal, secondFactorMessages[refusal]);
        }
        await tx.accounts.disableMfa(accountId);
        await held.clear();
        await tx.publish([mfaDisabled(accountId, stepUp.ipAddress, now)]);
        return undefined;
      });
    },
  };
}
