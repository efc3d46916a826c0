import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore, IdentityTransaction } from "../store/identity-store.js";
import type { FailureCount } from "../store/login-guard-rows.js";

/** When repeated failures lock an email, and how many attempts it takes at all (config.ts documents each). */
export interface LockoutPolicy {
  readonly lockAfterFailures: number;
  readonly lockSeconds: number;
  readonly globalLockAfterFailures: number;
  readonly globalLockSeconds: number;
  readonly loginBurstLimit: number;
  readonly loginBurstSeconds: number;
}

/**
 * The failure counters of one email as an attempt from one address sees them,
 * held locked by a transaction.
 */
export interface HeldFailures {
  /** Whole seconds until the address (or every address) may try again; undefined when it may now. */
  readonly lockedFor: number | undefined;
  /** Consecutive failures from this address. */
  readonly failureCount: number;
  /** Counts a failure in this address's scope and in the one of every address. */
  countFailure(): Promise<CountedFailure>;
  /** A success: this address and the count across addresses start afresh (other addresses' locks stay). */
  clear(): Promise<void>;
}

/** What a counted failure did. */
export interface CountedFailure {
  /** Consecutive failures from this address, this one included. */
  readonly failureCount: number;
  /** Set when this failure locked the email, for this address or for all. */
  readonly lockedUntil: number | undefined;
}

/**
 * Lockout and rate limit of login attempts (and of other password checks),
 * keyed by normalized email whether or not an account has it, so that an
 * unknown email answers exactly like a real one.
 */
export interface LoginGuard {
  /** Counts an attempt on `email`; refuses a burst beyond the limit with LOGIN_RATE_LIMITED and RetryInfo. */
  admit(email: string, now: number): Promise<void>;
  /** Like {@link HeldFailures.lockedFor}, read without holding anything. */
  lockedFor(email: string, address: string, now: number): Promise<number | undefined>;
  /** Locks the counters of `email` seen from `address` in `tx` until it commits. */
  hold(tx: IdentityTransaction, email: string, address: string, now: number): Promise<HeldFailures>;
}

// The scope counting across all addresses; no client address is "*". It is locked first: one lock order for every attempt.
const everyAddress = "*";
const scopesOf = (address: string) => [everyAddress, address] as const;

function remainingSeconds(counts: Iterable<FailureCount>, now: number): number | undefined {
  let latest = now;
  for (const { lockedUntil } of counts) if (lockedUntil !== undefined) latest = Math.max(latest, lockedUntil.getTime());
  return latest > now ? Math.ceil((latest - now) / 1000) : undefined;
}

/**
 * A lock that is over leaves its count behind; the next failure starts afresh
 * from zero, so the owner then again has the full number of attempts. While
 * the lock lasts attempts are refused uncounted.
 */
function afterFailure(count: FailureCount, limit: number, lockSeconds: number, now: number): FailureCount {
  const lockIsOver = count.lockedUntil !== undefined && count.lockedUntil.getTime() <= now;
  const failures = (lockIsOver ? 0 : count.failures) + 1;
  return { failures, lockedUntil: failures >= limit ? new Date(now + lockSeconds * 1000) : undefined };
}

/** The guard over `store` with `policy`. */
export function createLoginGuard(store: IdentityStore, policy: LockoutPolicy): LoginGuard {
  const windowMs = policy.loginBurstSeconds * 1000;
  return {
    async admit(email, now) {
      const { attempts, windowStart } = await store.loginGuards.countAttempt(email, new Date(now), new Date(now - windowMs));
      if (attempts <= policy.loginBurstLimit) return;
      const retryAfterMs = Math.max(1, windowStart.getTime() + windowMs - now);
      throw new DomainError(ErrorReason.LOGIN_RATE_LIMITED, `too many login attempts on this account; try again in ${Math.ceil(retryAfterMs / 1000)} s`, {}, { retryAfterMs });
    },
    async lockedFor(email, address, now) {
      return remainingSeconds((await store.loginGuards.failures(email, scopesOf(address))).values(), now);
    },
    async hold(tx, email, address, now) {
      const counts = await tx.loginGuards.lockFailures(email, scopesOf(address));
      const global = counts.get(everyAddress)!;
      const local = counts.get(address)!;
      return {
        lockedFor: remainingSeconds(counts.values(), now),
        failureCount: local.failures,
        async countFailure() {
          const nextGlobal = afterFailure(global, policy.globalLockAfterFailures, policy.globalLockSeconds, now);
          const nextLocal = afterFailure(local, policy.lockAfterFailures, policy.lockSeconds, now);
          await tx.loginGuards.saveFailures(email, everyAddress, nextGlobal);
          await tx.loginGuards.saveFailures(email, address, nextLocal);
          const locks = [nextGlobal.lockedUntil, nextLocal.lockedUntil].flatMap((at) => (at === undefined ? [] : [at.getTime()]));
          return { failureCount: nextLocal.failures, lockedUntil: locks.length === 0 ? undefined : Math.max(...locks) };
        },
        async clear() {
          await tx.loginGuards.clearFailures(email, scopesOf(address));
        },
      };
    },
  };
}

/** The refusal of an attempt while locked; RetryInfo says the same as the metadata. */
export function accountLockedError(retryAfterSeconds: number): DomainError {
  return new DomainError(
    ErrorReason.ACCOUNT_LOCKED,
    `too many failed attempts; try again in ${retryAfterSeconds} s`,
    { retry_after_seconds: String(retryAfterSeconds) },
    { retryAfterMs: retryAfterSeconds * 1000 },
  );
}
