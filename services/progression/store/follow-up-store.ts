import type pg from "pg";
import type { FollowUp } from "../core/progress-records.js";

/** Channel the follow_ups table is notified on when a transaction that added rows commits. */
export const followUpChannel = "progression_follow_ups";

/** A follow-up taken by a worker, with what it needs to settle it. */
export type ClaimedFollowUp = FollowUp & {
  readonly key: string;
  /** The row's version when claimed: a newer request for the same work survives this run. */
  readonly version: number;
  /** Failed attempts so far. */
  readonly attempts: number;
};

/** The queue of follow-ups, for the worker that does them. */
export interface FollowUpStore {
  /** Takes up to `limit` due follow-ups, hiding them from other claims for `leaseMs` (a crashed worker's claims come back). */
  claim(limit: number, leaseMs: number): Promise<ClaimedFollowUp[]>;
  /** Done: removed, unless it was asked for again meanwhile. */
  complete(followUp: ClaimedFollowUp): Promise<void>;
  /** Failed: due again after `delayMs`. */
  retryLater(followUp: ClaimedFollowUp, delayMs: number, error: string): Promise<void>;
  /** Calls `wake` whenever a transaction that added follow-ups commits; returns the way to stop listening. */
  listen(wake: () => void): Promise<() => Promise<void>>;
}

interface FollowUpRow {
  follow_up_key: string;
  kind: FollowUp["kind"];
  character_id: string;
  level: number;
  version: string;
  attempts: number;
}

const toClaimed = (row: FollowUpRow): ClaimedFollowUp => {
  const common = { key: row.follow_up_key, characterId: row.character_id, version: Number(row.version), attempts: row.attempts };
  return row.kind === "leaderboard" ? { ...common, kind: "leaderboard" } : { ...common, kind: row.kind, level: row.level };
};

export function createFollowUpStore(pool: pg.Pool): FollowUpStore {
  return {
    async claim(limit, leaseMs) {
      const { rows } = await pool.query<FollowUpRow>(
        `UPDATE follow_ups SET due_at = now() + make_interval(secs => $2::double precision / 1000)
         WHERE follow_up_key IN (SELECT follow_up_key FROM follow_ups WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING follow_up_key, kind, character_id, level, version, attempts`,
        [limit, leaseMs],
      );
      return rows.map(toClaimed);
    },
    async complete(followUp) {
      await pool.query("DELETE FROM follow_ups WHERE follow_up_key = $1 AND version = $2", [followUp.key, followUp.version]);
    },
    async retryLater(followUp, delayMs, error) {
      await pool.query(
        `UPDATE follow_ups SET attempts = attempts + 1, due_at = now() + make_interval(secs => $3::double precision / 1000), last_error = $4
         WHERE follow_up_key = $1 AND version = $2`,
        [followUp.key, followUp.version, delayMs, error.slice(0, 1000)],
      );
    },
    async listen(wake) {
      const listener = await pool.connect();
      listener.on("notification", wake);
      await listener.query(`LISTEN ${followUpChannel}`);
      return async () => {
        await listener.query(`UNLISTEN ${followUpChannel}`).catch(() => undefined);
        listener.release();
      };
    },
  };
}
