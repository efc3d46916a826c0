import { DomainError } from "@chaos/mesh/domain";
import { ActionKind, type Action } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { IdentityTransaction } from "../store/identity-store.js";
import type { RestrictionRecord } from "../store/restriction-rows.js";
import { sessionRevoked } from "./identity-events.js";

/**
 * Anti-cheat's suspensions and bans, from its action events. Applying one
 * revokes the account's open sessions (their refresh tokens stop working;
 * access tokens run out within minutes); lifting one lets logins through again.
 * Other actions (a flag, a trade restriction) are not identity's to enforce.
 */
export async function applyRestriction(tx: IdentityTransaction, action: Action, now = Date.now()): Promise<void> {
  // Anticheat says what its action bars: a suspension or a ban bars logins, a flag or a trade restriction does not.
  if (!action.barsLogin) return;
  const until = action.expireTime === undefined ? undefined : timestampDate(action.expireTime);
  if (until !== undefined && until.getTime() <= now) return;
  await tx.restrictions.insert({ actionId: action.actionId, accountId: action.playerId, kind: action.kind === ActionKind.BAN ? "ban" : "suspension", until });
  const revoked = await tx.sessions.revokeOpen(action.playerId, "anticheat", new Date(now));
  await tx.publish(revoked.map((sessionId) => sessionRevoked(action.playerId, sessionId, "anticheat", now)));
}

/** Anti-cheat lifted the action (expired or overturned). */
export async function liftRestriction(tx: IdentityTransaction, action: Action): Promise<void> {
  await tx.restrictions.remove(action.actionId);
}

/** The refusal of a login while `restriction` holds; with the right credentials it carries the appeal token. */
export function restrictionRefusal(restriction: RestrictionRecord, appeal?: { readonly token: string; readonly expiresAt: Date }): DomainError {
  const appealFacts: Record<string, string> = appeal === undefined ? {} : { appeal_token: appeal.token, appeal_token_expires: appeal.expiresAt.toISOString() };
  if (restriction.kind === "ban") return new DomainError(ErrorReason.ACCOUNT_BANNED, "this account is banned", { action_id: restriction.actionId, ...appealFacts });
  return new DomainError(ErrorReason.ACCOUNT_SUSPENDED, `this account is suspended until ${restriction.until!.toISOString()}`, {
    until: restriction.until!.toISOString(),
    action_id: restriction.actionId,
    ...appealFacts,
  });
}
