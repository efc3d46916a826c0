import { appendToOutbox, enqueueJobs } from "@chaos/mesh/events";
import type { Database } from "@chaos/mesh/server";
import { Aggregation } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import type pg from "pg";
import type { AnalyticsStore, AnalyticsTransaction, Fact, RebuildRecord, SeriesSelection, StoredPoint } from "../core/analytics-store.js";
import type { RebuildJobs } from "../core/rebuilds.js";

/** The aggregates' store, bindable to an event's inbox transaction. */
export interface AnalyticsPgStore extends AnalyticsStore {
  within(client: pg.PoolClient): AnalyticsTransaction;
}

interface RebuildRow {
  rebuild_id: string;
  state: RebuildRecord["state"];
  generation: number;
  snapshot_seq: string;
  cursor_seq: string;
  events_total: string;
  events_replayed: string;
  start_time: Date;
  finish_time: Date | null;
  failure_message: string;
}

const toRebuild = (row: RebuildRow): RebuildRecord => ({
  rebuildId: row.rebuild_id,
  state: row.state,
  generation: row.generation,
  snapshotSeq: BigInt(row.snapshot_seq),
  cursorSeq: BigInt(row.cursor_seq),
  eventsTotal: BigInt(row.events_total),
  eventsReplayed: BigInt(row.events_replayed),
  startTime: row.start_time,
  finishTime: row.finish_time ?? undefined,
  failureMessage: row.failure_message,
});

const rebuildColumns = "rebuild_id, state, generation, snapshot_seq::text, cursor_seq::text, events_total::text, events_replayed::text, start_time, finish_time, failure_message";

/** jsonb of a dimension set: keys sorted, so one set is one key of the primary key however it was built. */
function dimensionsJson(dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

const liveGeneration = async (sql: pg.Pool | pg.PoolClient) => (await sql.query<{ generation: number }>("SELECT generation FROM analytics_generation")).rows[0]!.generation;

/**
 * The selection's WHERE clause and its parameters ($1..$6), and its group
 * expression: a dimension's value ('' for contributions without it), or ''
 * for no grouping.
 */
function selectionSql(selection: SeriesSelection) {
  const group = selection.groupBy === undefined ? "''" : "coalesce(dimensions ->> $6, '')";
  const where = "generation = $1 AND metric = $2 AND bucket_hour >= $3 AND bucket_hour < $4 AND dimensions @> $5::jsonb";
  const params: unknown[] = [selection.generation, selection.metric, selection.start, selection.end, dimensionsJson(selection.filters)];
  if (selection.groupBy !== undefined) params.push(selection.groupBy);
  const table = selection.aggregation === Aggregation.DISTINCT ? "analytics_members" : "analytics_sums";
  // Buckets in UTC whatever the session's time zone.
  const bucket = `date_trunc('${selection.bucket}', bucket_hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
  return { group, where, params, table, bucket };
}

/** The aggregate of a group of rows: members counted once, sums and samples added. */
const aggregateSql = (selection: SeriesSelection) =>
  selection.aggregation === Aggregation.DISTINCT ? "count(DISTINCT member)::text AS value, count(DISTINCT member)::text AS samples" : "sum(value)::text AS value, sum(samples)::text AS samples";

export function createAnalyticsStore(db: Database, source: string): AnalyticsPgStore {
  const within = (client: pg.PoolClient): AnalyticsTransaction => ({
    async recordFact(fact) {
      const { rowCount } = await client.query({
        name: "analytics-record-fact",
        text: "INSERT INTO analytics_facts (event_id, event_type, event_time, payload) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
        values: [fact.eventId, fact.eventType, fact.eventTime, Buffer.from(fact.payload)],
      });
      return rowCount === 1;
    },
    liveGeneration: () => liveGeneration(client),
    aggregates: (generation) => ({
      async add(metric, hour, dimensions, value) {
        await client.query({
          name: "analytics-add",
          text: `INSERT INTO analytics_sums (generation, metric, bucket_hour, dimensions, value, samples) VALUES ($1, $2, $3, $4, $5, 1)
                 ON CONFLICT (generation, metric, bucket_hour, dimensions) DO UPDATE SET value = analytics_sums.value + EXCLUDED.value, samples = analytics_sums.samples + 1`,
          values: [generation, metric, hour, dimensionsJson(dimensions), value.toString()],
        });
      },
      async addMember(metric, hour, dimensions, member) {
        await client.query({
          name: "analytics-add-member",
          text: "INSERT INTO analytics_members (generation, metric, bucket_hour, dimensions, member) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
          values: [generation, metric, hour, dimensionsJson(dimensions), member],
        });
      },
      async remember(namespace, key, value) {
        await client.query({
          name: "analytics-remember",
          text: "INSERT INTO analytics_lookups (generation, namespace, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (generation, namespace, key) DO UPDATE SET value = EXCLUDED.value",
          values: [generation, namespace, key, value],
        });
      },
      async recall(namespace, key) {
        const { rows } = await client.query<{ value: string }>({
          name: "analytics-recall",
          text: "SELECT value FROM analytics_lookups WHERE generation = $1 AND namespace = $2 AND key = $3",
          values: [generation, namespace, key],
        });
        return rows[0]?.value;
      },
    }),
    async lockHistory() {
      // EXCLUSIVE: reads go on, inserts (the live consumer's) wait until this transaction ends.
      await client.query("LOCK TABLE analytics_facts IN EXCLUSIVE MODE");
      const { rows } = await client.query<{ last: string; count: string }>("SELECT coalesce(max(seq), 0)::text AS last, count(*)::text AS count FROM analytics_facts");
      return { lastSeq: BigInt(rows[0]!.last), count: BigInt(rows[0]!.count) };
    },
    async factsAfter(after, upTo, limit) {
      // seq comes back as text (a bigint); ORDER BY names the table's column, or it would sort the text ("10" before "9").
      const { rows } = await client.query<{ seq: string; event_id: string; event_type: string; event_time: Date; payload: Buffer }>(
        "SELECT seq::text, event_id, event_type, event_time, payload FROM analytics_facts WHERE seq > $1 AND ($2::bigint IS NULL OR seq <= $2) ORDER BY analytics_facts.seq LIMIT $3",
        [after.toString(), upTo?.toString() ?? null, limit],
      );
      return rows.map((r): Fact => ({ seq: BigInt(r.seq), eventId: r.event_id, eventType: r.event_type, eventTime: r.event_time, payload: new Uint8Array(r.payload) }));
    },
    async clearGeneration(generation) {
      for (const table of ["analytics_sums", "analytics_members", "analytics_lookups"]) await client.query(`DELETE FROM ${table} WHERE generation = $1`, [generation]);
    },
    async clearGenerationsExcept(keep) {
      for (const table of ["analytics_sums", "analytics_members", "analytics_lookups"]) await client.query(`DELETE FROM ${table} WHERE generation <> $1`, [keep]);
    },
    async setLiveGeneration(generation) {
      await client.query("UPDATE analytics_generation SET generation = $1", [generation]);
    },
    async insertRebuild(rebuild) {
      const { rowCount } = await client.query(
        `INSERT INTO analytics_rebuilds (rebuild_id, state, generation, snapshot_seq, events_total) VALUES ($1, 'running', $2, $3, $4)
         ON CONFLICT (state) WHERE state = 'running' DO NOTHING`,
        [rebuild.rebuildId, rebuild.generation, rebuild.snapshotSeq.toString(), rebuild.eventsTotal.toString()],
      );
      return rowCount === 1;
    },
    async runningRebuild() {
      const { rows } = await client.query<RebuildRow>(`SELECT ${rebuildColumns} FROM analytics_rebuilds WHERE state = 'running'`);
      return rows[0] === undefined ? undefined : toRebuild(rows[0]);
    },
    async lockRebuild(rebuildId) {
      const { rows } = await client.query<RebuildRow>(`SELECT ${rebuildColumns} FROM analytics_rebuilds WHERE rebuild_id = $1 FOR UPDATE`, [rebuildId]);
      return rows[0] === undefined ? undefined : toRebuild(rows[0]);
    },
    async updateRebuild(rebuildId, change) {
      await client.query(
        `UPDATE analytics_rebuilds SET state = coalesce($2, state), cursor_seq = coalesce($3, cursor_seq), events_total = coalesce($4, events_total),
           events_replayed = coalesce($5, events_replayed), failure_message = coalesce($6, failure_message), finish_time = CASE WHEN $7 THEN now() ELSE finish_time END
         WHERE rebuild_id = $1`,
        [rebuildId, change.state ?? null, change.cursorSeq?.toString() ?? null, change.eventsTotal?.toString() ?? null, change.eventsReplayed?.toString() ?? null, change.failureMessage ?? null, change.finished ?? false],
      );
    },
    async scheduleRebuildStep(rebuildId) {
      await enqueueJobs<RebuildJobs>(client, [{ key: `analytics.rebuild:${rebuildId}`, kind: "analytics.rebuild-step", payload: { rebuildId } }]);
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  const toPoint = (row: { grp: string; bucket: Date; value: string; samples: string }): StoredPoint => ({ group: row.grp, bucketStart: row.bucket, value: BigInt(row.value), samples: BigInt(row.samples) });

  return {
    transaction: (work) => db.transaction((client) => work(within(client))),
    liveGeneration: () => liveGeneration(db.pool),
    async groups(selection, after, limit) {
      const { group, where, params, table } = selectionSql(selection);
      const { rows } = await db.pool.query<{ grp: string }>(
        `SELECT DISTINCT ${group} AS grp FROM ${table} WHERE ${where} AND ($${params.length + 1}::text IS NULL OR ${group} > $${params.length + 1}) ORDER BY grp LIMIT $${params.length + 2}`,
        [...params, after ?? null, limit],
      );
      return rows.map((r) => r.grp);
    },
    async points(selection, groups) {
      if (groups.length === 0) return [];
      const { group, where, params, table, bucket } = selectionSql(selection);
      const { rows } = await db.pool.query<{ grp: string; bucket: Date; value: string; samples: string }>(
        `SELECT ${group} AS grp, ${bucket} AS bucket, ${aggregateSql(selection)} FROM ${table}
         WHERE ${where} AND ${group} = ANY($${params.length + 1}::text[]) GROUP BY 1, 2`,
        [...params, groups],
      );
      return rows.map(toPoint);
    },
    async totals(selection, groups) {
      if (groups.length === 0) return [];
      const { group, where, params, table } = selectionSql(selection);
      const { rows } = await db.pool.query<{ grp: string; bucket: Date; value: string; samples: string }>(
        `SELECT ${group} AS grp, $3::timestamptz AS bucket, ${aggregateSql(selection)} FROM ${table}
         WHERE ${where} AND ${group} = ANY($${params.length + 1}::text[]) GROUP BY 1`,
        [...params, groups],
      );
      return rows.map(toPoint);
    },
    async rebuild(rebuildId) {
      const { rows } = await db.pool.query<RebuildRow>(`SELECT ${rebuildColumns} FROM analytics_rebuilds WHERE rebuild_id = $1`, [rebuildId]);
      return rows[0] === undefined ? undefined : toRebuild(rows[0]);
    },
    within,
  };
}
