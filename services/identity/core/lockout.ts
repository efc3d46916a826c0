import { DomainError } from "@chaos/mesh";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityTransaction } from "../store/identity-store.js";
import type { AccountRecord } from "./account.js";

/** When repeated failures lock an account, and for how long. */
export interface LockoutPolicy {
  /** Consecutive failures that lock the account. */
  readonly lockAfterFailures: number;
  readonly lockSeconds: number;
}

/** What a counted failure did. */
export interface CountedFailure {
  /** Consecutive failures including this one. */
  readonly failureCount: number;
  /** Set when this failure locked the account. */
  readonly lockedUntil: number | undefined;
}

/**
 * Counts a failed attempt on `account` (whose row `tx` holds locked). The
 * failure that reaches the limit locks the account and starts a fresh count,
 * so after the lock the owner again has the full number of attempts.
 */
export async function countFailure(tx: IdentityTransaction, account: AccountRecord, policy: LockoutPolicy, now: number): Promise<CountedFailure> {
  const failureCount = account.failedLogins + 1;
  if (failureCount < policy.lockAfterFailures) {
    await tx.accounts.saveFailures(account.accountId, failureCount, undefined);
    return { failureCount, lockedUntil: undefined };
  }
  const lockedUntil = now + policy.lockSeconds * 1000;
  await tx.accounts.saveFailures(account.accountId, 0, new Date(lockedUntil));
  return { failureCount, lockedUntil };
}

/** The refusal of an attempt on a locked account. */
export function accountLockedError(retryAfterSeconds: number): DomainError {
  return new DomainError(ErrorReason.ACCOUNT_LOCKED, `too many failed attempts; try again in ${retryAfterSeconds} s`, { retry_after_seconds: String(retryAfterSeconds) });
}
