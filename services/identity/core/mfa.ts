import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore } from "../store/identity-store.js";
import { mfaSecretContext } from "./account.js";
import { accountLocked, mfaCheckFailed, mfaDisabled, mfaEnabled, mfaEnrollmentStarted } from "./identity-events.js";
import type { LoginGuard } from "./lockout.js";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import { checkSecondFactor, checkTotp, secondFactorMessages } from "./second-factor.js";
import type { SecretBox } from "./secret-box.js";
import { createStepUp, type StepUp } from "./step-up.js";
import { newTotpSecret, totpUri } from "./totp.js";

/** What an authenticator app needs. */
export interface MfaEnrolment {
  /** Base32, for manual entry. */
  readonly secret: string;
  readonly otpauthUri: string;
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

/** MFA in `store`, secrets sealed with `box`; failed checks count in `guard` like failed logins. */
export function createMfa(store: IdentityStore, box: SecretBox, guard: LoginGuard): Mfa {
  const withStepUp = createStepUp(store, guard);
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
