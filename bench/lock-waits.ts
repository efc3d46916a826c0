import pg from "pg";

/** A running sample of PostgreSQL sessions waiting for a lock; {@link LockWaitSampler.stop} ends it. */
export interface LockWaitSampler {
  /** Stops sampling; the average number of sessions that were waiting for a lock (a row another transaction holds). */
  stop(): Promise<number>;
}

/**
 * Counts, every `intervalMs`, the sessions on `databases` whose wait event is
 * a lock (pg_stat_activity.wait_event_type = 'Lock'): how many of the
 * clients in flight are queued behind a hot row rather than working.
 */
export async function startLockWaitSampler(adminUrl: string, databases: readonly string[], intervalMs = 100): Promise<LockWaitSampler> {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  const samples: number[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND wait_event_type = 'Lock'", [databases]);
      samples.push(rows[0]!.n);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  loop.catch(() => undefined); // rethrown by stop()
  return {
    async stop() {
      sampling = false;
      await loop;
      await admin.end();
      return samples.reduce((sum, n) => sum + n, 0) / Math.max(1, samples.length);
    },
  };
}
