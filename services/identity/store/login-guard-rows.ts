import type { Queryable } from "./queryable.js";

/** The failures counted in one scope of an email (an address, or all of them). */
export interface FailureCount {
  readonly failures: number;
  readonly lockedUntil: Date | undefined;
}

/** What the login limiter counted. */
export interface BurstCount {
  /** Attempts in the current window, this one included. */
  readonly attempts: number;
  readonly windowStart: Date;
}

/** Failed-login counters and the login limiter, keyed by normalized email (known or not). */
export interface LoginGuardRows {
  /** Counts an attempt on `email`; a window older than `windowStartsAfter` is replaced by a new one starting `now`. */
  countAttempt(email: string, now: Date, windowStartsAfter: Date): Promise<BurstCount>;
  /** The counts of `scopes` (missing ones are zero). */
  failures(email: string, scopes: readonly string[]): Promise<Map<string, FailureCount>>;
  /**
   * Like failures(), but creates the rows and locks them until commit (FOR
   * UPDATE, in the order given): attempts on one email are decided one at a time.
   */
  lockFailures(email: string, scopes: readonly string[]): Promise<Map<string, FailureCount>>;
  saveFailures(email: string, scope: string, count: FailureCount): Promise<void>;
  clearFailures(email: string, scopes: readonly string[]): Promise<void>;
}

interface FailureRow {
  scope: string;
  failures: number;
  locked_until: Date | null;
}

const none: FailureCount = { failures: 0, lockedUntil: undefined };

function byScope(scopes: readonly string[], rows: readonly FailureRow[]): Map<string, FailureCount> {
  const found = new Map(rows.map((row) => [row.scope, { failures: row.failures, lockedUntil: row.locked_until ?? undefined }]));
  return new Map(scopes.map((scope) => [scope, found.get(scope) ?? none]));
}

/** Login guard queries on `sql` (the pool, or a transaction's connection). */
export function loginGuardRows(sql: Queryable): LoginGuardRows {
  return {
    async countAttempt(email, now, windowStartsAfter) {
      const { rows } = await sql.query<{ attempts: number; window_start: Date }>(
        `INSERT INTO login_bursts AS b (email, window_start, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (email) DO UPDATE SET
           window_start = CASE WHEN b.window_start <= $3 THEN $2 ELSE b.window_start END,
           attempts = CASE WHEN b.window_start <= $3 THEN 1 ELSE b.attempts + 1 END
         RETURNING attempts, window_start`,
        [email, now, windowStartsAfter],
      );
      return { attempts: rows[0]!.attempts, windowStart: rows[0]!.window_start };
    },
    async failures(email, scopes) {
      const { rows } = await sql.query<FailureRow>(`SELECT scope, failures, locked_until FROM login_failures WHERE email = $1 AND scope = ANY($2)`, [email, scopes]);
      return byScope(scopes, rows);
    },
    async lockFailures(email, scopes) {
      const rows: FailureRow[] = [];
      for (const scope of scopes) {
        await sql.query(`INSERT INTO login_failures (email, scope, failures) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`, [email, scope]);
        const locked = await sql.query<FailureRow>(`SELECT scope, failures, locked_until FROM login_failures WHERE email = $1 AND scope = $2 FOR UPDATE`, [email, scope]);
        rows.push(...locked.rows);
      }
      return byScope(scopes, rows);
    },
    async saveFailures(email, scope, count) {
      await sql.query(`UPDATE login_failures SET failures = $3, locked_until = $4 WHERE email = $1 AND scope = $2`, [email, scope, count.failures, count.lockedUntil ?? null]);
    },
    async clearFailures(email, scopes) {
      await sql.query(`DELETE FROM login_failures WHERE email = $1 AND scope = ANY($2)`, [email, scopes]);
    },
  };
}
