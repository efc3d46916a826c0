import type { RevokeCause, SessionRecord } from "../core/session.js";
import type { Queryable } from "./queryable.js";

/** A refresh token as stored, with its session. */
export interface RefreshTokenRecord {
  /** Set once the token was traded for a new one; presenting it again is reuse. */
  readonly usedAt: Date | undefined;
  readonly session: SessionRecord;
}

/** Session rows and their refresh tokens (stored as SHA-256 hashes). */
export interface SessionRows {
  byId(sessionId: string): Promise<SessionRecord | undefined>;
  /** Sessions of the account neither revoked nor expired at `now`, newest first. */
  listOpen(accountId: string, now: Date): Promise<SessionRecord[]>;
  insert(session: SessionRecord): Promise<void>;
  /** Reads the session and locks its row until commit. */
  lock(sessionId: string): Promise<SessionRecord | undefined>;
  insertRefreshToken(tokenHash: Buffer, sessionId: string, at: Date): Promise<void>;
  /**
   * Reads a refresh token with its session and locks both rows until commit
   * (FOR UPDATE): of two concurrent refreshes with one token, the second
   * waits and then sees the token used.
   */
  lockRefreshToken(tokenHash: Buffer): Promise<RefreshTokenRecord | undefined>;
  markRefreshTokenUsed(tokenHash: Buffer, at: Date): Promise<void>;
  markRefreshed(sessionId: string, at: Date): Promise<void>;
  revoke(sessionId: string, cause: RevokeCause, at: Date): Promise<void>;
  /** Revokes every open session of the account; the ids of those it revoked. */
  revokeOpen(accountId: string, cause: RevokeCause, at: Date): Promise<string[]>;
}

interface SessionRow {
  session_id: string;
  account_id: string;
  user_agent: string;
  ip_address: string;
  created_at: Date;
  last_refresh_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
}

const columns = "session_id, account_id, user_agent, ip_address, created_at, last_refresh_at, expires_at, revoked_at";

function toRecord(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id,
    accountId: row.account_id,
    userAgent: row.user_agent,
    ipAddress: row.ip_address,
    createdAt: row.created_at,
    lastRefreshAt: row.last_refresh_at ?? undefined,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at ?? undefined,
  };
}

/** Session queries on `sql` (the pool, or a transaction's connection). */
export function sessionRows(sql: Queryable): SessionRows {
  const one = async (text: string, values: unknown[]) => {
    const { rows } = await sql.query<SessionRow>(text, values);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  };
  return {
    byId: (sessionId) => one(`SELECT ${columns} FROM sessions WHERE session_id = $1`, [sessionId]),
    async listOpen(accountId, now) {
      const { rows } = await sql.query<SessionRow>(
        `SELECT ${columns} FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, session_id`,
        [accountId, now],
      );
      return rows.map(toRecord);
    },
    async insert(session) {
      await sql.query(`INSERT INTO sessions (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        session.sessionId,
        session.accountId,
        session.userAgent,
        session.ipAddress,
        session.createdAt,
        session.lastRefreshAt ?? null,
        session.expiresAt,
        session.revokedAt ?? null,
      ]);
    },
    lock: (sessionId) => one(`SELECT ${columns} FROM sessions WHERE session_id = $1 FOR UPDATE`, [sessionId]),
    async insertRefreshToken(tokenHash, sessionId, at) {
      await sql.query(`INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)`, [tokenHash, sessionId, at]);
    },
    async lockRefreshToken(tokenHash) {
      const { rows } = await sql.query<SessionRow & { used_at: Date | null }>(
        `SELECT t.used_at, ${columns.split(", ").map((c) => `s.${c}`).join(", ")}
         FROM refresh_tokens t JOIN sessions s USING (session_id)
         WHERE t.token_hash = $1
         FOR UPDATE`,
        [tokenHash],
      );
      const row = rows[0];
      return row === undefined ? undefined : { usedAt: row.used_at ?? undefined, session: toRecord(row) };
    },
    async markRefreshTokenUsed(tokenHash, at) {
      await sql.query(`UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1`, [tokenHash, at]);
    },
    async markRefreshed(sessionId, at) {
      await sql.query(`UPDATE sessions SET last_refresh_at = $2 WHERE session_id = $1`, [sessionId, at]);
    },
    async revoke(sessionId, cause, at) {
      await sql.query(`UPDATE sessions SET revoked_at = $3, revoke_cause = $2 WHERE session_id = $1 AND revoked_at IS NULL`, [sessionId, cause, at]);
    },
    async revokeOpen(accountId, cause, at) {
      const { rows } = await sql.query<{ session_id: string }>(
        `UPDATE sessions SET revoked_at = $3, revoke_cause = $2
         WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $3
         RETURNING session_id`,
        [accountId, cause, at],
      );
      return rows.map((row) => row.session_id);
    },
  };
}
