import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore } from "../store/identity-store.js";
import { lockRemainingSeconds, mfaSecretContext } from "./account.js";
import { accountLocked, mfaDisabled, mfaEnabled } from "./identity-events.js";
import { accountLockedError, countFailure, type LockoutPolicy } from "./lockout.js";
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

/** TOTP MFA of an account (RFC 6238). */
export interface Mfa {
  /** Starts (or restarts) enrolment with a new secret; MFA is not on until verify(). */
  enroll(accountId: string): Promise<MfaEnrolment>;
  /** Turns MFA on with a first valid code; returns the recovery codes, shown this once. */
  verify(accountId: string, code: string): Promise<string[]>;
  /**
   * Turns MFA off given a current TOTP or recovery code. Wrong codes count
   * towards the account's lock like failed logins, so a stolen access token
   * cannot be used to guess its way past the second factor.
   */
  disable(accountId: string, code: string): Promise<void>;
}

/** MFA in `store`, secrets sealed with `box`. */
export function createMfa(store: IdentityStore, box: SecretBox, lockout: LockoutPolicy): Mfa {
  return {
    async enroll(accountId) {
      return store.transaction(async (tx) => {
        const account = await tx.accounts.lock(accountId);
        if (account === undefined) throw new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
        if (account.mfaEnabled) throw new DomainError(ErrorReason.MFA_ALREADY_ENABLED, "MFA is already on; disable it first to enrol a new authenticator");
        const secret = newTotpSecret();
        await tx.accounts.setMfaSecret(accountId, box.seal(Buffer.from(secret, "utf8"), mfaSecretContext(accountId)));
        return { secret, otpauthUri: totpUri(secret, account.email) };
      });
    },
    async verify(accountId, code) {
      return store.transaction(async (tx) => {
        const now = Date.now();
        const account = await tx.accounts.lock(accountId);
        if (account === undefined) throw new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
        if (account.mfaEnabled) throw new DomainError(ErrorReason.MFA_ALREADY_ENABLED, "MFA is already on");
        if (account.mfaSecret === undefined) throw new DomainError(ErrorReason.MFA_NOT_ENROLLED, "call EnrollMfa first");
        const refusal = await checkTotp(tx, account, code, box, now);
        if (refusal !== undefined) throw new DomainError(refusal, secondFactorMessages[refusal]);
        const codes = generateRecoveryCodes();
        await tx.accounts.enableMfa(accountId, codes.map((c) => hashRecoveryCode(normalizeRecoveryCode(c)!)));
        await tx.publish([mfaEnabled(accountId, now)]);
        return codes;
      });
    },
    async disable(accountId, code) {
      const outcome = await store.transaction(async (tx) => {
        const now = Date.now();
        const account = await tx.accounts.lock(accountId);
        if (account === undefined) return new DomainError(ErrorReason.ACCOUNT_NOT_FOUND, "no such account");
        const lockedFor = lockRemainingSeconds(account, now);
        if (lockedFor !== undefined) return accountLockedError(lockedFor);
        if (!account.mfaEnabled) return new DomainError(ErrorReason.MFA_NOT_ENROLLED, "MFA is not on");
        const refusal = await checkSecondFactor(tx, account, code, box, now);
        if (refusal !== undefined) {
          const counted = await countFailure(tx, account, lockout, now);
          if (counted.lockedUntil !== undefined) await tx.publish([accountLocked(accountId, counted.lockedUntil)]);
          return new DomainError(refusal, secondFactorMessages[refusal]);
        }
        await tx.accounts.disableMfa(accountId);
        if (account.failedLogins !== 0) await tx.accounts.saveFailures(accountId, 0, undefined);
        await tx.publish([mfaDisabled(accountId, now)]);
        return undefined;
      });
      if (outcome !== undefined) throw outcome;
    },
  };
}
