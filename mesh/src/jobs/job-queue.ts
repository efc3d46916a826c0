import type pg from "pg";
import type { Migration } from "../persistence/migrations.js";

/** Channel a transaction that enqueued jobs notifies on commit, so workers wake at once instead of polling. */
export const jobChannel = "chaos_jobs";

/**
 * The mesh's job queue table. A service that enqueues jobs lists these in its
 * manifest's `state.database.meshTables`; they are applied before its own
 * migrations, so one of those may move older rows into mesh_jobs.
 */
export const jobQueueMigrations: readonly Migration[] = [
  {
    name: "0000_mesh_jobs.sql",
    checksum: "mesh-jobs-1",
    sql: `
      CREATE TABLE IF NOT EXISTS mesh_jobs (
        job_key text PRIMARY KEY,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        -- Bumped by every new request with this key, so a run of an older request neither deletes nor delays the newer one.
        version bigint NOT NULL DEFAULT 1,
        -- Failed runs of the current request.
        attempts integer NOT NULL DEFAULT 0,
        due_at timestamptz NOT NULL DEFAULT now(),
        -- Set while a worker runs the job; no other worker claims it before leased_until (a crashed worker's jobs come back then).
        lease_id uuid,
        leased_until timestamptz,
        last_error text
      );
      CREATE INDEX IF NOT EXISTS mesh_jobs_due ON mesh_jobs (due_at);`,
  },
  {
    name: "0000_mesh_jobs_parked.sql",
    checksum: "mesh-jobs-parked-1",
    sql: `
      -- When a job that kept failing was parked: kept and retried at the parked pace, never dropped; cleared by a new request.
      ALTER TABLE mesh_jobs ADD COLUMN IF NOT EXISTS parked_at timestamptz;`,
  },
];

/**
 * A job to run once the transaction that enqueues it commits. `Kinds` maps
 * each kind to its payload's type, the contract between the code that
 * enqueues and the handlers (JobHandlers<Kinds>).
 */
export type JobRequest<Kinds = Record<string, unknown>> = {
  readonly [K in Extract<keyof Kinds, string>]: {
    /**
     * Names the work, across kinds: a request whose key is queued already
     * replaces that job's payload and starts its attempts over, and when a
     * worker is running the older request, the newer one runs after it.
     */
    readonly key: string;
    readonly kind: K;
    /** Stored as JSON: plain objects, arrays, strings, finite numbers, booleans and null (no bigint, Date or undefined). */
    readonly payload: Kinds[K];
    /**
     * When the job becomes due: a durable timer (an offer's expiry, a saga's
     * deadline) that survives restarts, since it is a row, not a setTimeout.
     * Default: at commit.
     */
    readonly dueAt?: Date;
  };
}[Extract<keyof Kinds, string>];

/**
 * Enqueues jobs inside the caller's transaction, next to the change they
 * follow: a job exists if and only if the change committed, and the workers
 * are woken at commit (a NOTIFY is delivered only then), never before. Of
 * several requests with one key in `jobs`, the last one counts.
 */
export async function enqueueJobs<Kinds = Record<string, unknown>>(client: pg.ClientBase, jobs: readonly JobRequest<NoInfer<Kinds>>[]): Promise<void> {
  // One statement cannot upsert a row twice.
  const requests = [...new Map(jobs.map((job) => [job.key, job])).values()];
  if (requests.length === 0) return;
  // One statement: the upsert, and the NOTIFY that wakes the workers at commit.
  await client.query(
    `WITH queued AS (
       INSERT INTO mesh_jobs (job_key, kind, payload, due_at)
       SELECT key, kind, payload, coalesce(due_at, now()) FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS t(key, kind, payload, due_at)
       ON CONFLICT (job_key) DO UPDATE
         SET kind = EXCLUDED.kind, payload = EXCLUDED.payload, version = mesh_jobs.version + 1, attempts = 0, due_at = EXCLUDED.due_at, last_error = NULL, parked_at = NULL
       RETURNING 1
     )
     SELECT pg_notify('${jobChannel}', '') FROM (SELECT count(*) FROM queued) AS done`,
    [requests.map((r) => r.key), requests.map((r) => r.kind), requests.map((r) => JSON.stringify(r.payload)), requests.map((r) => r.dueAt ?? null)],
  );
}
