import type { Queryable } from "./queryable.js";

/** A suspension or ban anti-cheat applied to an account. */
export interface RestrictionRecord {
  readonly actionId: string;
  readonly accountId: string;
  readonly kind: "suspension" | "ban";
  /** Undefined for a ban (until lifted). */
  readonly until: Date | undefined;
}

/** Anti-cheat's restrictions in force (identity's copy, fed by anticheat's action events). */
export interface RestrictionRows {
  /** Stores the restriction (an action redelivered changes nothing). */
  insert(restriction: RestrictionRecord): Promise<void>;
  remove(actionId: string): Promise<void>;
  /** The account's restrictions holding at `now`: bans first, then the suspension that ends last. */
  holding(accountId: string, now: Date): Promise<RestrictionRecord[]>;
}

export function restrictionRows(sql: Queryable): RestrictionRows {
  return {
    async insert(r) {
      await sql.query("INSERT INTO account_restrictions (action_id, account_id, kind, until_at) VALUES ($1, $2, $3, $4) ON CONFLICT (action_id) DO NOTHING", [
        r.actionId,
        r.accountId,
        r.kind,
        r.until ?? null,
      ]);
    },
    async remove(actionId) {
      await sql.query("DELETE FROM account_restrictions WHERE action_id = $1", [actionId]);
    },
    async holding(accountId, now) {
      const { rows } = await sql.query<{ action_id: string; account_id: string; kind: "suspension" | "ban"; until_at: Date | null }>(
        `SELECT action_id, account_id, kind, until_at FROM account_restrictions
         WHERE account_id = $1 AND (until_at IS NULL OR until_at > $2)
         ORDER BY (kind = 'ban') DESC, until_at DESC NULLS FIRST`,
        [accountId, now],
      );
      return rows.map((r) => ({ actionId: r.action_id, accountId: r.account_id, kind: r.kind, until: r.until_at ?? undefined }));
    },
  };
}
