import { createHash, randomBytes, randomUUID } from "node:crypto";
import { DomainError } from "@chaos/mesh/domain";
import { ErrorReason } from "@chaos/gen/chaos/identity/v1/errors_pb.js";
import type { IdentityStore, IdentityTransaction } from "../store/identity-store.js";
import type { AccountRecord } from "./account.js";
import { refreshTokenReuseDetected, sessionRefreshed, sessionRevoked } from "./identity-events.js";
import type { KeyRing } from "./key-ring.js";
import { isSessionOpen, sessionLifetimeMs, type ClientFacts, type SessionRecord } from "./session.js";

/** What a login or refresh hands to the client. */
export interface IssuedTokens {
  readonly sessionId: string;
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  /** Opaque and single-use; only its SHA-256 is stored. */
  readonly refreshToken: string;
  /** The session's end: rotation does not extend it. */
  readonly refreshTokenExpiresAt: Date;
}

/** A session just opened inside a login's transaction, with its first refresh token. */
export interface OpenedSession {
  readonly session: SessionRecord;
  readonly refreshToken: string;
}

/** Sessions: refresh-token families and the access tokens minted from them. */
export interface Sessions {
  /** Opens a session in the login's transaction; call issue() with the result in that transaction, before recording the login. */
  open(tx: IdentityTransaction, accountId: string, client: ClientFacts, now: number): Promise<OpenedSession>;
  /** The token pair of a session opened or refreshed (signs the access token). */
  issue(account: Pick<AccountRecord, "accountId" | "roles">, opened: OpenedSession): Promise<IssuedTokens>;
  /**
   * The appeal token of an account whose login a restriction refused: as
   * short-lived as an access token, for the appeal audience, tied to the
   * restricting action, with no roles and no session (nothing to refresh).
   */
  issueAppealToken(accountId: string, actionId: string): Promise<{ readonly token: string; readonly expiresAt: Date }>;
  /**
   * Trades a refresh token for a new pair. A token already traded is reuse
   * (someone holds a copy): the whole session is revoked, and that outcome
   * commits although the call fails.
   */
  refresh(refreshToken: string, ipAddress: string): Promise<IssuedTokens>;
  /** Revokes one of the account's sessions; revoking an ended one again changes nothing. */
  revoke(accountId: string, sessionId: string): Promise<void>;
  /** Revokes every open session of the account; how many there were. */
  revokeAll(accountId: string): Promise<number>;
  listOpen(accountId: string): Promise<SessionRecord[]>;
  /** True when the session exists (of `accountId`, when given), is not revoked and has not expired. */
  isOpen(sessionId: string, accountId?: string): Promise<boolean>;
}

/** Sessions in `store`, with access tokens signed by `keys`. */
/** Options of {@link createSessions}. */
export interface SessionOptions {
  /**
   * How long after a refresh token was traded it may be traded once more for
   * a pair of the same session, instead of counting as reuse: the answer of
   * the first trade can be lost (a reload mid-request, a dropped connection),
   * and the client then retries with the token it still holds.
   */
  readonly refreshGraceMs: number;
}

export function createSessions(store: IdentityStore, keys: KeyRing, options: SessionOptions): Sessions {
  const newRefreshToken = async (tx: IdentityTransaction, sessionId: string, at: Date) => {
    const token = randomBytes(32).toString("base64url");
    await tx.sessions.insertRefreshToken(hashToken(token), sessionId, at);
    return token;
  };
  const issue = async (account: Pick<AccountRecord, "accountId" | "roles">, opened: OpenedSession): Promise<IssuedTokens> => {
    const accessToken = await keys.sign({ subject: account.accountId, kind: "player", roles: account.roles, sessionId: opened.session.sessionId });
    return {
      sessionId: opened.session.sessionId,
      accessToken,
      accessTokenExpiresAt: expiryOf(accessToken),
      refreshToken: opened.refreshToken,
      refreshTokenExpiresAt: opened.session.expiresAt,
    };
  };
  return {
    async issueAppealToken(accountId, actionId) {
      const token = await keys.sign({ subject: accountId, kind: "player", roles: [], sessionId: actionId, scope: "appeal" });
      return { token, expiresAt: expiryOf(token) };
    },
    async open(tx, accountId, client, now) {
      const session: SessionRecord = {
        sessionId: randomUUID(),
        accountId,
        userAgent: client.userAgent,
        ipAddress: client.ipAddress,
        createdAt: new Date(now),
        lastRefreshAt: undefined,
        expiresAt: new Date(now + sessionLifetimeMs),
        revokedAt: undefined,
      };
      await tx.sessions.insert(session);
      return { session, refreshToken: await newRefreshToken(tx, session.sessionId, session.createdAt) };
    },
    issue,
    async refresh(refreshToken, ipAddress) {
      const tokenHash = hashToken(refreshToken);
      const outcome = await store.transaction(async (tx) => {
        const now = Date.now();
        const found = await tx.sessions.lockRefreshToken(tokenHash);
        if (found === undefined || !isSessionOpen(found.session, now)) return invalidRefreshToken();
        const { session } = found;
        // Inside the grace window a repeat is a client that never saw the first answer, not a thief; after it, a token seen twice is stolen.
        const repeatInGrace = found.usedAt !== undefined && now - found.usedAt.getTime() <= options.refreshGraceMs;
        if (found.usedAt !== undefined && !repeatInGrace) {
          await tx.sessions.revoke(session.sessionId, "token_reuse", new Date(now));
          await tx.publish([refreshTokenReuseDetected(session.accountId, session.sessionId, ipAddress, now), sessionRevoked(session.accountId, session.sessionId, "token_reuse", now)]);
          return new DomainError(ErrorReason.REFRESH_TOKEN_REUSED, "this refresh token was already used; the session is revoked, log in again");
        }
        const account = await tx.accounts.byId(session.accountId);
        if (account === undefined) return invalidRefreshToken();
        if (!repeatInGrace) await tx.sessions.markRefreshTokenUsed(tokenHash, new Date(now));
        await tx.sessions.markRefreshed(session.sessionId, new Date(now));
        // Signed before the rotation commits: a signer that fails leaves the old token untraded, for the client's retry.
        const tokens = await issue(account, { session, refreshToken: await newRefreshToken(tx, session.sessionId, new Date(now)) });
        await tx.publish([sessionRefreshed(session.accountId, session.sessionId, ipAddress, now)]);
        return tokens;
      });
      if (outcome instanceof DomainError) throw outcome;
      return outcome;
    },
    async revoke(accountId, sessionId) {
      await store.transaction(async (tx) => {
        const session = await tx.sessions.lock(sessionId);
        // Someone else's session is "not found" too: its existence is none of the caller's business.
        if (session === undefined || session.accountId !== accountId) throw new DomainError(ErrorReason.SESSION_NOT_FOUND, "no such session");
        if (session.revokedAt !== undefined) return;
        const now = Date.now();
        await tx.sessions.revoke(sessionId, "user", new Date(now));
        await tx.publish([sessionRevoked(accountId, sessionId, "user", now)]);
      });
    },
    async revokeAll(accountId) {
      return store.transaction(async (tx) => {
        const now = Date.now();
        const revoked = await tx.sessions.revokeOpen(accountId, "all_sessions", new Date(now));
        await tx.publish(revoked.map((sessionId) => sessionRevoked(accountId, sessionId, "all_sessions", now)));
        return revoked.length;
      });
    },
    listOpen: (accountId) => store.sessions.listOpen(accountId, new Date()),
    async isOpen(sessionId, accountId) {
      const session = await store.sessions.byId(sessionId);
      return session !== undefined && (accountId === undefined || session.accountId === accountId) && isSessionOpen(session, Date.now());
    },
  };
}

function invalidRefreshToken(): DomainError {
  return new DomainError(ErrorReason.INVALID_REFRESH_TOKEN, "the refresh token is unknown, expired or revoked; log in again");
}

function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

// The signer computes exp itself; reading it back keeps the reported expiry exact.
function expiryOf(accessToken: string): Date {
  const payload = JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp: number };
  return new Date(payload.exp * 1000);
}
