import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityTransaction } from "../store/identity-store.js";
import { mfaSecretContext, type AccountRecord } from "./account.js";
import { hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import type { SecretBox } from "./secret-box.js";
import { acceptedTimeStep } from "./totp.js";

/** Why a second factor was refused. */
export type SecondFactorRefusal = ErrorReason.INVALID_MFA_CODE | ErrorReason.MFA_CODE_REPLAYED;

/** What a refused second factor tells the caller. */
export const secondFactorMessages: Readonly<Record<SecondFactorRefusal, string>> = {
  [ErrorReason.INVALID_MFA_CODE]: "the MFA code is wrong",
  [ErrorReason.MFA_CODE_REPLAYED]: "this MFA code was already used; wait for the next one",
};

/** Six digits are a TOTP code; anything else can only be a recovery code. */
function isTotpCode(code: string): boolean {
  return /^[0-9]{6}$/.test(code);
}

/**
 * Checks a TOTP code or a recovery code of an account with a TOTP secret, in
 * `tx`, and consumes it: the code's time step becomes the last one used, or
 * the recovery code is marked used. Undefined when accepted.
 */
export async function checkSecondFactor(tx: IdentityTransaction, account: AccountRecord, code: string, box: SecretBox, now: number): Promise<SecondFactorRefusal | undefined> {
  if (isTotpCode(code)) return checkTotp(tx, account, code, box, now);
  const normalized = normalizeRecoveryCode(code);
  if (normalized === undefined) return ErrorReason.INVALID_MFA_CODE;
  return (await tx.accounts.useRecoveryCode(account.accountId, hashRecoveryCode(normalized), new Date(now))) ? undefined : ErrorReason.INVALID_MFA_CODE;
}

/** Checks a TOTP code and records its time step; a step not newer than the last one used is a replay. */
export async function checkTotp(tx: IdentityTransaction, account: AccountRecord, code: string, box: SecretBox, now: number): Promise<SecondFactorRefusal | undefined> {
  if (account.mfaSecret === undefined) return ErrorReason.INVALID_MFA_CODE;
  const secret = box.open(account.mfaSecret, mfaSecretContext(account.accountId)).toString("utf8");
  const step = acceptedTimeStep(secret, code, now);
  if (step === undefined) return ErrorReason.INVALID_MFA_CODE;
  return (await tx.accounts.advanceMfaStep(account.accountId, step)) ? undefined : ErrorReason.MFA_CODE_REPLAYED;
}
