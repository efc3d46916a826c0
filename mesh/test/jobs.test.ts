import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { enqueueJobs, jobQueueMigrations, startJobWorker, type JobHandlers, type JobRequest, type JobRun, type JobWorker, type JobWorkerOptions } from "../src/index.js";
import { useTestDatabase } from "./test-database.js";

const test = useTestDatabase(jobQueueMigrations);

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string; job?: string; attempt?: number }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "warn" }, sink), lines };
}

/** Starts a worker over the test database, stopped by `use`'s end. */
async function withWorker<Kinds>(options: Omit<JobWorkerOptions<Kinds>, "pool" | "logger"> & Partial<Pick<JobWorkerOptions<Kinds>, "logger">>, use: (worker: JobWorker) => Promise<void>) {
  const worker = await startJobWorker({ pool: test.db.pool, logger: recordingLogger().logger, pollIntervalMs: 50, ...options });
  try {
    await use(worker);
  } finally {
    await worker.stop();
  }
}

const enqueue = (jobs: readonly JobRequest[]) => test.db.transaction((client) => enqueueJobs(client, jobs));

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rowsOfKind(kind: string) {
  const { rows } = await test.db.pool.query<{ job_key: string; attempts: number; due_in_ms: number; last_error: string | null; parked_at: Date | null }>(
    "SELECT job_key, attempts, (extract(epoch FROM due_at - now()) * 1000)::float8 AS due_in_ms, last_error, parked_at FROM mesh_jobs WHERE kind = $1",
    [kind],
  );
  return rows;
}

/** A promise the test resolves when it chooses. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Each test runs its own kind, so workers of other tests never take its jobs. */
const newKind = () => `test-${randomUUID()}`;

describe("the mesh's after-commit job queue", () => {
  it("runs a committed job once, woken by the commit, and never one whose transaction rolled back", async () => {
    const kind = newKind();
    const runs: string[] = [];
    const registry = new Registry();
    // A poll interval longer than the test: only the commit's NOTIFY can start the run in time.
    await withWorker({ handlers: { [kind]: async (payload: { note: string }) => void runs.push(payload.note) }, pollIntervalMs: 60_000, registry }, async () => {
      await test.db
        .transaction(async (client) => {
          await enqueueJobs(client, [{ key: `${kind}:lost`, kind, payload: { note: "rolled back" } }]);
          throw new Error("the change failed");
        })
        .catch(() => undefined);
      const started = Date.now();
      await enqueue([{ key: `${kind}:kept`, kind, payload: { note: "committed" } }]);
      await eventually(async () => runs.length === 1 && (await rowsOfKind(kind)).length === 0, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      await sleep(200);
      expect(runs).toEqual(["committed"]);
      expect(await registry.getSingleMetricAsString("chaos_jobs_total")).toContain(`chaos_jobs_total{kind="${kind}",outcome="done"} 1`);
    });
  });

  it("leaves jobs of kinds it has no handler for to other workers", async () => {
    const kind = newKind();
    const other = newKind();
    const ran: string[] = [];
    await withWorker({ handlers: { [kind]: async (_payload: unknown, job: JobRun) => void ran.push(job.key) } }, async () => {
      await enqueue([
        { key: `${other}:1`, kind: other, payload: {} },
        { key: `${kind}:1`, kind, payload: {} },
      ]);
      await eventually(() => ran.length === 1);
      await sleep(200);
      expect(ran).toEqual([`${kind}:1`]);
      expect(await rowsOfKind(other)).toHaveLength(1);
    });
  });

  it("retries a failing job with doubling backoff, then parks it after maxAttempts (kept, visible, retried slowly), and runs it once its cause is fixed", async () => {
    const kind = newKind();
    const attempts: Array<{ attempt: number; at: number }> = [];
    const { logger, lines } = recordingLogger();
    const registry = new Registry();
    let fixed = false;
    const handlers: JobHandlers<Record<string, { n: number }>> = {
      [kind]: async (_payload, job) => {
        attempts.push({ attempt: job.attempt, at: Date.now() });
        if (!fixed) throw new Error(`attempt ${job.attempt} failed`);
      },
    };
    await withWorker({ handlers, logger, registry, maxAttempts: 4, initialBackoffMs: 150, parkedRetryMs: 1_500, pollIntervalMs: 20 }, async () => {
      await enqueue([{ key: `${kind}:1`, kind, payload: { n: 1 } }]);
      // Between runs the job waits, with the last error recorded (written just after the handler threw,
      // so read from the table rather than right after the handler ran).
      let waiting: unknown[] = [];
      await eventually(async () => {
        waiting = await rowsOfKind(kind);
        return (waiting[0] as { attempts?: number } | undefined)?.attempts === 2;
      });
      expect(waiting).toMatchObject([{ attempts: 2, last_error: "attempt 2 failed", parked_at: null }]);
      // After the fourth failure it is parked: still there, marked, with its last error.
      await eventually(async () => attempts.length === 4 && (await rowsOfKind(kind))[0]?.parked_at != null);
      expect(await rowsOfKind(kind)).toMatchObject([{ attempts: 4, last_error: "attempt 4 failed" }]);
      expect(await registry.getSingleMetricAsString("chaos_jobs_total")).toContain(`chaos_jobs_total{kind="${kind}",outcome="parked"} 1`);
      const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
      // 150 ms, 300 ms, 600 ms (the database's and the timers' clocks allow a little slack).
      expect(gaps[0]).toBeGreaterThanOrEqual(140);
      expect(gaps[1]).toBeGreaterThanOrEqual(290);
      expect(gaps[2]).toBeGreaterThanOrEqual(590);
      // Parked, it is tried again at the slow pace; once the cause is fixed it runs and is done.
      fixed = true;
      await eventually(async () => attempts.length === 5 && (await rowsOfKind(kind)).length === 0, 10_000);
      expect(attempts[4]!.at - attempts[3]!.at).toBeGreaterThanOrEqual(1_400);
    });
    expect(lines.filter((l) => l.msg === "job failed; retrying later").map((l) => l.attempt)).toEqual([1, 2, 3]);
    expect(lines.filter((l) => l.level === 50)).toMatchObject([{ msg: "job failed too often; parked, and retried at the parked pace until it succeeds", job: `${kind}:1`, attempt: 4 }]);
    const counted = await registry.getSingleMetricAsString("chaos_jobs_total");
    expect(counted).toContain(`chaos_jobs_total{kind="${kind}",outcome="retried"} 3`);
    expect(counted).toContain(`chaos_jobs_total{kind="${kind}",outcome="done"} 1`);
  });

  it("caps the backoff at 60 s, and a job that fails once and then succeeds is done", async () => {
    const kind = newKind();
    let failures = 0;
    await withWorker(
      {
        handlers: {
          [kind]: async (payload: { fail: boolean }) => {
            if (payload.fail) throw new Error("down");
            if (failures++ === 0) throw new Error("down once");
          },
        },
        initialBackoffMs: 10 * 60_000,
      },
      async () => {
        await enqueue([{ key: `${kind}:slow`, kind, payload: { fail: true } }]);
        await eventually(async () => (await rowsOfKind(kind))[0]?.attempts === 1);
        const [waiting] = await rowsOfKind(kind);
        expect(waiting!.due_in_ms).toBeGreaterThan(55_000);
        expect(waiting!.due_in_ms).toBeLessThanOrEqual(60_000);
      },
    );
    const other = newKind();
    let runs = 0;
    await withWorker(
      {
        handlers: {
          [other]: async () => {
            if (++runs === 1) throw new Error("down once");
          },
        },
        initialBackoffMs: 50,
        pollIntervalMs: 20,
      },
      async () => {
        await enqueue([{ key: `${other}:1`, kind: other, payload: {} }]);
        await eventually(async () => runs === 2 && (await rowsOfKind(other)).length === 0);
      },
    );
  });

  it("never runs one job on two workers at once, and runs each job once", async () => {
    const kind = newKind();
    const running = new Set<string>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    const handlers = {
      [kind]: async (_payload: unknown, job: { key: string }) => {
        if (running.has(job.key)) overlaps++;
        running.add(job.key);
        runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
        // Uneven run times and batch sizes keep the two workers' rounds out of step.
        await sleep(5 + Math.random() * 40);
        running.delete(job.key);
      },
    };
    const keys = Array.from({ length: 60 }, (_, i) => `${kind}:${i}`);
    await withWorker({ handlers, batchSize: 3, pollIntervalMs: 10 }, () =>
      withWorker({ handlers, batchSize: 7, pollIntervalMs: 15 }, async () => {
        await enqueue(keys.map((key) => ({ key, kind, payload: {} })));
        await eventually(async () => (await rowsOfKind(kind)).length === 0, 20_000);
      }),
    );
    expect(overlaps).toBe(0);
    expect([...runs.keys()].sort()).toEqual([...keys].sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it("does not take a job another worker holds until that worker's lease ends (a crashed worker's jobs come back)", async () => {
    const kind = newKind();
    await enqueue([{ key: `${kind}:1`, kind, payload: {} }]);
    // A worker that claimed the job and died: its lease runs for another 1.5 s.
    await test.db.pool.query("UPDATE mesh_jobs SET lease_id = gen_random_uuid(), leased_until = now() + interval '1.5 seconds' WHERE kind = $1", [kind]);
    const claimedAt = Date.now();
    let ranAt: number | undefined;
    await withWorker({ handlers: { [kind]: async () => void (ranAt = Date.now()) }, pollIntervalMs: 50 }, async () => {
      await eventually(() => ranAt !== undefined);
    });
    expect(ranAt! - claimedAt).toBeGreaterThanOrEqual(1_300);
  });

  it("runs a job again, after the run in progress and with the new payload, when it is requested again meanwhile", async () => {
    const kind = newKind();
    const firstRunStarted = gate();
    const releaseFirstRun = gate();
    const seen: number[] = [];
    let concurrent = 0;
    let inFlight = 0;
    await withWorker(
      {
        handlers: {
          [kind]: async (payload: { level: number }) => {
            inFlight++;
            if (inFlight > 1) concurrent++;
            seen.push(payload.level);
            if (seen.length === 1) {
              firstRunStarted.open();
              await releaseFirstRun.opened;
            }
            inFlight--;
          },
        },
        pollIntervalMs: 20,
      },
      async () => {
        await enqueue([{ key: `${kind}:hero`, kind, payload: { level: 2 } }]);
        await firstRunStarted.opened;
        await enqueue([{ key: `${kind}:hero`, kind, payload: { level: 3 } }]);
        await sleep(200);
        // The newer request waits for the run in progress instead of running beside it.
        expect(seen).toEqual([2]);
        releaseFirstRun.open();
        await eventually(async () => seen.length === 2 && (await rowsOfKind(kind)).length === 0);
      },
    );
    expect(seen).toEqual([2, 3]);
    expect(concurrent).toBe(0);
  });

  it("stop() waits for the running round, and the job's outcome is recorded", async () => {
    const kind = newKind();
    const started = gate();
    const release = gate();
    let finished = false;
    const worker = await startJobWorker({
      pool: test.db.pool,
      logger: recordingLogger().logger,
      pollIntervalMs: 20,
      handlers: {
        [kind]: async () => {
          started.open();
          await release.opened;
          finished = true;
        },
      },
    });
    await enqueue([{ key: `${kind}:1`, kind, payload: {} }]);
    await started.opened;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    release.open();
    await stopping;
    expect(finished).toBe(true);
    expect(await rowsOfKind(kind)).toEqual([]);
  });

  it("keeps the last of several requests with one key in one enqueue", async () => {
    const kind = newKind();
    await enqueue([
      { key: `${kind}:1`, kind, payload: { level: 2 } },
      { key: `${kind}:1`, kind, payload: { level: 4 } },
    ]);
    const { rows } = await test.db.pool.query<{ payload: unknown }>("SELECT payload FROM mesh_jobs WHERE kind = $1", [kind]);
    expect(rows).toEqual([{ payload: { level: 4 } }]);
  });
  it("holds a job with dueAt until its time, also across a worker that was not running when it was enqueued, and a new request moves the timer", async () => {
    const kind = newKind();
    const ran: Array<{ key: string; at: number }> = [];
    const enqueuedAt = Date.now();
    await enqueue([
      { key: `${kind}:soon`, kind, payload: {}, dueAt: new Date(enqueuedAt + 600) },
      { key: `${kind}:moved`, kind, payload: {}, dueAt: new Date(enqueuedAt + 60_000) },
    ]);
    // Asked for again with an earlier time: the timer follows the newest request.
    await enqueue([{ key: `${kind}:moved`, kind, payload: {}, dueAt: new Date(enqueuedAt + 900) }]);
    await withWorker({ handlers: { [kind]: async (_payload: unknown, job: JobRun) => void ran.push({ key: job.key, at: Date.now() }) } }, async () => {
      await sleep(300);
      expect(ran).toEqual([]);
      await eventually(() => ran.length === 2, 5_000);
    });
    expect(ran.map((r) => r.key).sort()).toEqual([`${kind}:moved`, `${kind}:soon`]);
    for (const run of ran) expect(run.at - enqueuedAt).toBeGreaterThanOrEqual(run.key.endsWith("soon") ? 600 : 900);
  });

  it("with maxAttempts Infinity keeps retrying a failing job instead of giving it up", async () => {
    const kind = newKind();
    let runs = 0;
    await withWorker(
      {
        handlers: {
          [kind]: async () => {
            runs += 1;
            if (runs < 12) throw new Error("dependency down");
          },
        },
        maxAttempts: Infinity,
        initialBackoffMs: 1,
      },
      async () => {
        await enqueue([{ key: `${kind}:1`, kind, payload: {} }]);
        await eventually(async () => runs === 12 && (await rowsOfKind(kind)).length === 0, 20_000);
      },
    );
  });
});
