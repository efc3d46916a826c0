import type pg from "pg";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import { openListenSession, type ListenSession } from "../persistence/listen-session.js";
import { jobChannel } from "./job-queue.js";

/** The run of a job, as its handler sees it. */
export interface JobRun {
  readonly key: string;
  readonly kind: string;
  /** 1 on a request's first run, 2 on its first retry, and so on. */
  readonly attempt: number;
}

/**
 * One handler per kind of job (see JobRequest). A handler must be idempotent:
 * a crash, or a lease that ran out, may run a job again.
 */
export type JobHandlers<Kinds = Record<string, unknown>> = {
  readonly [K in keyof Kinds]: (payload: Kinds[K], job: JobRun) => Promise<void>;
};

/** Worker settings; every optional field has a documented default. */
export interface JobWorkerOptions<Kinds = Record<string, unknown>> {
  /** The database the jobs are enqueued in (it has jobQueueMigrations applied). */
  readonly pool: pg.Pool;
  /** The worker claims jobs of these kinds only; others wait for a worker that has a handler. */
  readonly handlers: JobHandlers<Kinds>;
  readonly logger: Logger;
  /** Registry for chaos_jobs_total and chaos_jobs_due. Default none. */
  readonly registry?: Registry;
  /**
   * Runs of a request at the backoff's pace before it is parked: kept (with
   * parked_at and its last error), logged at error level once, counted as
   * outcome "parked" and in chaos_jobs_parked, and retried every
   * parkedRetryMs until it succeeds — a job is never dropped. Default 8.
   * Infinity never parks (a saga's compensation retries every 60 s at most).
   */
  readonly maxAttempts?: number;
  /** How often a parked job is tried again. Default 15 min. */
  readonly parkedRetryMs?: number;
  /** Delay before the first retry, doubled for each further one up to 60 s. Default 1 s. */
  readonly initialBackoffMs?: number;
  /** How often due jobs (retries) are looked for when no commit wakes the worker. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Jobs claimed per round and run together; the next round starts when all of them settled. Default 50. */
  readonly batchSize?: number;
  /**
   * How long a claimed job is hidden from other claims. A handler must settle
   * well within it; a crashed worker's jobs are due again once it ends. Default 30 s.
   */
  readonly leaseMs?: number;
}

/** A worker's handlers and settings, without what the service runtime supplies (Wired.jobs). */
// `any`: a service's payload types are its own; the runtime only passes the handlers on.
export type JobWorkerSettings = Omit<JobWorkerOptions<any>, "pool" | "logger" | "registry">;

/** A running worker. */
export interface JobWorker {
  /** Stops claiming, waits for the jobs of the running round to settle, and stops listening. */
  stop(): Promise<void>;
}

/** Retries never wait longer than this. */
const maxBackoffMs = 60_000;
/** The due-jobs gauge is scraped every few seconds; reading it every round would cost a query per round. */
const gaugeIntervalMs = 1_000;

interface ClaimedJob {
  readonly job_key: string;
  readonly kind: string;
  readonly payload: unknown;
  /** bigint, kept as pg's text. */
  readonly version: string;
  readonly attempts: number;
  readonly lease_id: string;
}

/**
 * Runs the jobs enqueued with enqueueJobs: each round claims due jobs of its
 * kinds under a lease (FOR UPDATE SKIP LOCKED, so workers on several replicas
 * never run one job at the same time) and runs them. A job that succeeds is
 * removed; one that fails is due again after a backoff (initialBackoffMs,
 * doubling, at most 60 s) and parked after maxAttempts runs (kept, retried every parkedRetryMs). A job asked for
 * again while it runs stays, and runs again after. Woken by the commits that
 * enqueue (LISTEN), it polls as a safety net and for retries.
 * Metrics: chaos_jobs_total{kind,outcome} (done, retried, parked),
 * chaos_jobs_due{kind}, the jobs due that no worker holds, and
 * chaos_jobs_parked{kind}.
 */
export async function startJobWorker<Kinds>(options: JobWorkerOptions<Kinds>): Promise<JobWorker> {
  const kinds = Object.keys(options.handlers);
  if (kinds.length === 0) throw new Error("a job worker needs a handler for at least one kind of job");
  const maxAttempts = options.maxAttempts ?? 8;
  const parkedRetryMs = options.parkedRetryMs ?? 15 * 60_000;
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 50;
  const leaseMs = options.leaseMs ?? 30_000;
  const metrics = options.registry === undefined ? undefined : jobMetrics(options.registry);
  const { logger, pool } = options;

  const claim = async (): Promise<ClaimedJob[]> => {
    const { rows } = await pool.query<ClaimedJob>(
      `UPDATE mesh_jobs SET lease_id = gen_random_uuid(), leased_until = now() + make_interval(secs => $3::double precision / 1000)
       WHERE job_key IN (
         SELECT job_key FROM mesh_jobs
         WHERE kind = ANY($1::text[]) AND due_at <= now() AND (leased_until IS NULL OR leased_until <= now())
         ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       RETURNING job_key, kind, payload, version, attempts, lease_id`,
      [kinds, batchSize, leaseMs],
    );
    return rows;
  };

  /**
   * Applies `change` (SQL whose $1..$3 are the key, lease and version) if the
   * job is still the request that was claimed; if it was asked for again
   * meanwhile, only the lease is given back, and the newer request is due.
   */
  const settle = async (job: ClaimedJob, change: string, values: readonly unknown[] = []) => {
    const result = await pool.query(change, [job.job_key, job.lease_id, job.version, ...values]);
    if (result.rowCount === 0) {
      await pool.query("UPDATE mesh_jobs SET lease_id = NULL, leased_until = NULL WHERE job_key = $1 AND lease_id = $2", [job.job_key, job.lease_id]);
    }
  };
  const remove = (job: ClaimedJob) => settle(job, "DELETE FROM mesh_jobs WHERE job_key = $1 AND lease_id = $2 AND version = $3");

  const run = async (job: ClaimedJob) => {
    const attempt = job.attempts + 1;
    const handler = options.handlers[job.kind as keyof Kinds] as (payload: unknown, run: JobRun) => Promise<void>;
    try {
      await handler(job.payload, { key: job.job_key, kind: job.kind, attempt });
    } catch (error) {
      const log = { job: job.job_key, kind: job.kind, attempt, err: error };
      const parked = attempt >= maxAttempts;
      if (attempt === maxAttempts) logger.error(log, "job failed too often; parked, and retried at the parked pace until it succeeds");
      else if (parked) logger.warn(log, "parked job failed again; retrying at the parked pace");
      else logger.warn(log, "job failed; retrying later");
      metrics?.outcomes.inc({ kind: job.kind, outcome: attempt === maxAttempts ? "parked" : "retried" });
      await settle(
        job,
        `UPDATE mesh_jobs SET attempts = attempts + 1, due_at = now() + make_interval(secs => $4::double precision / 1000), last_error = $5,
           parked_at = CASE WHEN $6 THEN coalesce(parked_at, now()) END, lease_id = NULL, leased_until = NULL
         WHERE job_key = $1 AND lease_id = $2 AND version = $3`,
        [
          parked ? parkedRetryMs : Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1)),
          (error instanceof Error ? error.message : String(error)).slice(0, 1_000),
          parked,
        ],
      );
      return;
    }
    metrics?.outcomes.inc({ kind: job.kind, outcome: "done" });
    await remove(job);
  };

  let gaugeReadAt = 0;
  const recordDue = async () => {
    if (metrics === undefined || Date.now() - gaugeReadAt < gaugeIntervalMs) return;
    gaugeReadAt = Date.now();
    const { rows } = await pool.query<{ kind: string; due: string; parked: string }>(
      `SELECT kind, count(*) FILTER (WHERE due_at <= now() AND (leased_until IS NULL OR leased_until <= now())) AS due, count(parked_at) AS parked
       FROM mesh_jobs GROUP BY kind`,
    );
    metrics.due.reset();
    metrics.parked.reset();
    for (const row of rows) {
      metrics.due.set({ kind: row.kind }, Number(row.due));
      metrics.parked.set({ kind: row.kind }, Number(row.parked));
    }
  };

  let stopped = false;
  let wake: (() => void) | undefined;
  // A commit noticed while a round runs starts the next round at once instead of after the poll interval.
  let nudged = false;
  let listener: ListenSession | undefined;
  const listen = async () => {
    if (listener !== undefined) return;
    listener = await openListenSession(pool, jobChannel, {
      onNotification: () => {
        nudged = true;
        wake?.();
      },
      // A lost connection (database restart) must not crash the process: the worker polls until a round listens again.
      onLost: (error) => {
        logger.warn({ err: error }, "job worker lost its LISTEN connection; polling until it is back");
        listener = undefined;
      },
    });
  };
  await listen();

  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      let claimed = 0;
      try {
        await listen();
        const due = await claim();
        claimed = due.length;
        const settled = await Promise.allSettled(due.map(run));
        for (const outcome of settled) {
          if (outcome.status === "rejected") logger.error({ err: outcome.reason }, "could not record a job's outcome; it runs again when its lease ends");
        }
        await recordDue();
      } catch (error) {
        logger.error({ err: error }, "job round failed; retrying");
      }
      if (stopped) break;
      if (claimed === batchSize || nudged) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      const session = listener;
      listener = undefined;
      await session?.close();
    },
  };
}

/** The metrics of job workers, shared by every worker of one registry. */
function jobMetrics(registry: Registry) {
  const outcomes =
    (registry.getSingleMetric("chaos_jobs_total") as Counter<"kind" | "outcome"> | undefined) ??
    new Counter({
      name: "chaos_jobs_total",
      help: "Runs of after-commit jobs by kind and outcome: done, retried, parked.",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    });
  const due =
    (registry.getSingleMetric("chaos_jobs_due") as Gauge<"kind"> | undefined) ??
    new Gauge({ name: "chaos_jobs_due", help: "Jobs due that no worker holds, by kind.", labelNames: ["kind"], registers: [registry] });
  const parked =
    (registry.getSingleMetric("chaos_jobs_parked") as Gauge<"kind"> | undefined) ??
    new Gauge({ name: "chaos_jobs_parked", help: "Jobs parked after failing maxAttempts times (kept, retried slowly), by kind.", labelNames: ["kind"], registers: [registry] });
  return { outcomes, due, parked };
}
