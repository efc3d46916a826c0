import type { DomainError } from "@chaos/mesh/domain";
import type { IdentityTransaction } from "../store/identity-store.js";
import type { AccountRecord } from "./account.js";
import { loginFailed, loginSucceeded, type LoginMethod } from "./identity-events.js";
import { restrictionRefusal } from "./restrictions.js";
import type { ClientFacts } from "./session.js";
import type { IssuedTokens, Sessions } from "./sessions.js";

/** A successful login: the account and the tokens of its new session. */
export interface LoginResult {
  readonly account: AccountRecord;
  readonly tokens: IssuedTokens;
}

/** How the player proved who they are. */
export interface LoginProof {
  readonly method: LoginMethod;
  /** True when a TOTP or recovery code was checked. */
  readonly mfaUsed: boolean;
}

/**
 * The end of every login once the player proved who they are, in the login's
 * transaction on the locked account: a suspension or ban refuses it (with the
 * appeal token: the player may see why and contest it, nothing else), else a
 * session opens. The tokens are signed before the success is recorded, so a
 * signer that fails rolls the session and its LoginSucceeded back and the
 * audit trail never shows a login the player did not get.
 */
export async function completeLogin(
  tx: IdentityTransaction,
  sessions: Sessions,
  account: AccountRecord,
  client: ClientFacts,
  proof: LoginProof,
  now: number,
): Promise<LoginResult | DomainError> {
  const [restriction] = await tx.restrictions.holding(account.accountId, new Date(now));
  if (restriction !== undefined) {
    const appeal = await sessions.issueAppealToken(account.accountId, restriction.actionId);
    const refusal = restrictionRefusal(restriction, appeal);
    await tx.publish([loginFailed(account.accountId, client.ipAddress, refusal.reason, 0, now)]);
    return refusal;
  }
  const opened = await sessions.open(tx, account.accountId, client, now);
  const tokens = await sessions.issue(account, opened);
  await tx.publish([loginSucceeded(account.accountId, opened.session.sessionId, client, proof.mfaUsed, now, proof.method)]);
  return { account, tokens };
}
