/** One login: a refresh-token family and the access tokens minted from it. */
export interface SessionRecord {
  readonly sessionId: string;
  readonly accountId: string;
  readonly userAgent: string;
  /** Empty when the caller was not the gateway (only the gateway knows the client's address). */
  readonly ipAddress: string;
  readonly createdAt: Date;
  readonly lastRefreshAt: Date | undefined;
  /** The family's end: no refresh token of the session works after it. */
  readonly expiresAt: Date;
  readonly revokedAt: Date | undefined;
}

/** Why a session ended early (SessionRevoked.cause). */
/** "anticheat": the account was suspended or banned. */
export type RevokeCause = "user" | "all_sessions" | "token_reuse" | "admin" | "anticheat";

/** Where a login came from. */
export interface ClientFacts {
  readonly userAgent: string;
  readonly ipAddress: string;
}

/** A refresh-token family lives 30 days from login; rotation does not extend it, so a stolen family dies too. */
export const sessionLifetimeMs = 30 * 24 * 3600 * 1000;

/** True when the session may still be used at `now`. */
export function isSessionOpen(session: Pick<SessionRecord, "revokedAt" | "expiresAt">, now: number): boolean {
  return session.revokedAt === undefined && session.expiresAt.getTime() > now;
}
