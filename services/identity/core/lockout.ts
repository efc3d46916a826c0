import { DomainError } from "@chaos/mesh/domain";
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
 * Counts a failed attempt on `account` (whose row `tx` holds locked, and which
 * is not locked now). The failure that reaches the limit locks the account;
 * the count stays as it was while the lock lasts (attempts then are refused
 * uncounted) and starts afresh once it is over, so the owner then again has
 * the full number of attempts.
 */
export async function countFailure(tx: IdentityTransaction, account: AccountRecord, policy: LockoutPolicy, now: number): Promise<CountedFailure> {
  const lockIsOver = account.lockedUntil !== undefined && account.lockedUntil.getTime() <= now;
  const failureCount = (lockIsOver ? 0 : account.failedLogins) + 1;
  const lockedUntil = failureCount >= policy.lockAfterFailures ? now + policy.lockSeconds * 1000 : undefined;
  await tx.accounts.saveFailures(account.accountId, failureCount, lockedUntil === undefined ? undefined : new Date(lockedUntil));
  return { failureCount, lockedUntil };
}

/** The refusal of an attempt on a locked account. */
export function accountLockedError(retryAfterSeconds: number): DomainError {
  return new DomainError(ErrorReason.ACCOUNT_LOCKED, `too many failed attempts; try again in ${retryAfterSeconds} s`, { retry_after_seconds: String(retryAfterSeconds) });
}
