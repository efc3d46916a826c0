import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  AccountLockedSchema,
  AccountRegisteredSchema,
  AccountRolesChangedSchema,
  LoginFailedSchema,
  LoginSucceededSchema,
  MfaCheckFailedSchema,
  MfaDisabledSchema,
  MfaEnabledSchema,
  MfaEnrollmentStartedSchema,
  PasskeyAddedSchema,
  PasskeyRemovedSchema,
  RefreshTokenReuseDetectedSchema,
  SessionRefreshedSchema,
  SessionRevokedSchema,
  SigningKeyRotatedSchema,
} from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { topicName, type OutgoingEvent, reasonName } from "@chaos/mesh/domain";
import { ErrorReasonSchema, type ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import { toRoles } from "./account.js";
import type { RevokeCause } from "./session.js";

// Every event of an account goes to one topic keyed by the account id, so the audit trail of an account stays in order.
const topic = () => topicName("identity", "accounts");

/** AccountRegistered. */
export function accountRegistered(accountId: string, email: string, roles: readonly string[], at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: AccountRegisteredSchema, message: create(AccountRegisteredSchema, { accountId, email, roles: toRoles(roles), registerTime: timestampFromMs(at) }) };
}

/** AccountRolesChanged. */
export function accountRolesChanged(accountId: string, previous: readonly string[], roles: readonly string[], reason: string, at: number): OutgoingEvent {
  return {
    topic: topic(),
    aggregateId: accountId,
    schema: AccountRolesChangedSchema,
    message: create(AccountRolesChangedSchema, { accountId, previousRoles: toRoles(previous), roles: toRoles(roles), reason, changeTime: timestampFromMs(at) }),
  };
}

/** How a login proved the player: a password (and a code when MFA is on), or a passkey. */
export type LoginMethod = "password" | "passkey";

/** LoginSucceeded. */
export function loginSucceeded(accountId: string, sessionId: string, client: { userAgent: string; ipAddress: string }, mfaUsed: boolean, at: number, method: LoginMethod = "password"): OutgoingEvent {
  return {
    topic: topic(),
    aggregateId: accountId,
    schema: LoginSucceededSchema,
    message: create(LoginSucceededSchema, { accountId, sessionId, ipAddress: client.ipAddress, userAgent: client.userAgent, mfaUsed, method, loginTime: timestampFromMs(at) }),
  };
}

/** PasskeyAdded. */
export function passkeyAdded(accountId: string, passkeyId: string, name: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: PasskeyAddedSchema, message: create(PasskeyAddedSchema, { accountId, passkeyId, name, ipAddress, addTime: timestampFromMs(at) }) };
}

/** PasskeyRemoved. */
export function passkeyRemoved(accountId: string, passkeyId: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: PasskeyRemovedSchema, message: create(PasskeyRemovedSchema, { accountId, passkeyId, ipAddress, removeTime: timestampFromMs(at) }) };
}

/** LoginFailed, with the reason returned to the caller and the consecutive failures so far. */
export function loginFailed(accountId: string, ipAddress: string, reason: ErrorReason, failureCount: number, at: number): OutgoingEvent {
  return {
    topic: topic(),
    aggregateId: accountId,
    schema: LoginFailedSchema,
    message: create(LoginFailedSchema, { accountId, ipAddress, reason: reasonName(ErrorReasonSchema, reason), failureCount, attemptTime: timestampFromMs(at) }),
  };
}

/** AccountLocked. */
export function accountLocked(accountId: string, unlockAt: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: AccountLockedSchema, message: create(AccountLockedSchema, { accountId, unlockTime: timestampFromMs(unlockAt) }) };
}

/** MfaEnrollmentStarted. */
export function mfaEnrollmentStarted(accountId: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: MfaEnrollmentStartedSchema, message: create(MfaEnrollmentStartedSchema, { accountId, ipAddress, enrollTime: timestampFromMs(at) }) };
}

/** MfaEnabled. */
export function mfaEnabled(accountId: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: MfaEnabledSchema, message: create(MfaEnabledSchema, { accountId, ipAddress, enableTime: timestampFromMs(at) }) };
}

/** MfaDisabled. */
export function mfaDisabled(accountId: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: MfaDisabledSchema, message: create(MfaDisabledSchema, { accountId, ipAddress, disableTime: timestampFromMs(at) }) };
}

/** MfaCheckFailed: a wrong code to turn MFA on ("verify") or off ("disable"). */
export function mfaCheckFailed(accountId: string, ipAddress: string, purpose: "verify" | "disable", reason: ErrorReason, at: number): OutgoingEvent {
  return {
    topic: topic(),
    aggregateId: accountId,
    schema: MfaCheckFailedSchema,
    message: create(MfaCheckFailedSchema, { accountId, ipAddress, purpose, reason: reasonName(ErrorReasonSchema, reason), attemptTime: timestampFromMs(at) }),
  };
}

/** SessionRefreshed. */
export function sessionRefreshed(accountId: string, sessionId: string, ipAddress: string, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: SessionRefreshedSchema, message: create(SessionRefreshedSchema, { accountId, sessionId, ipAddress, refreshTime: timestampFromMs(at) }) };
}

/** SigningKeyRotated, keyed by the new key (no account is involved). */
export function signingKeyRotated(kid: string, retiredKids: readonly string[], at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: kid, schema: SigningKeyRotatedSchema, message: create(SigningKeyRotatedSchema, { kid, retiredKids: [...retiredKids], rotateTime: timestampFromMs(at) }) };
}

/** SessionRevoked. */
export function sessionRevoked(accountId: string, sessionId: string, cause: RevokeCause, at: number): OutgoingEvent {
  return { topic: topic(), aggregateId: accountId, schema: SessionRevokedSchema, message: create(SessionRevokedSchema, { accountId, sessionId, cause, revokeTime: timestampFromMs(at) }) };
}

/** RefreshTokenReuseDetected. */
export function refreshTokenReuseDetected(accountId: string, sessionId: string, ipAddress: string, at: number): OutgoingEvent {
  return {
    topic: topic(),
    aggregateId: accountId,
    schema: RefreshTokenReuseDetectedSchema,
    message: create(RefreshTokenReuseDetectedSchema, { accountId, sessionId, ipAddress, detectTime: timestampFromMs(at) }),
  };
}
