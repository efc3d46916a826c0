import { ActorKindSchema, OutcomeSchema } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { appendToOutbox } from "@chaos/mesh/events";
import { reasonName } from "@chaos/mesh/domain";
import type { Database } from "@chaos/mesh/server";
import type pg from "pg";
import type { AuditRecord, ChainHead } from "../core/audit-record.js";
import type { AuditStore, AuditTransaction, RecordFilter } from "../core/audit-store.js";
import { genesisHash } from "../core/canonical-form.js";

/** The log's store, bindable to an event's inbox transaction. */
export interface AuditPgStore extends AuditStore {
  /** The store's transaction operations on a connection whose transaction the caller runs. */
  within(client: pg.PoolClient): AuditTransaction;
}

interface RecordRow {
  partition: string;
  sequence: string;
  record_id: string;
  occur_time: string;
  record_time: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  resource: string;
  outcome: string;
  source_ip: string;
  user_agent: string;
  trace_id: string;
  source: string;
  details: Record<string, string>;
  previous_hash: string;
  hash: string;
}

// Times come back as canonical text (microseconds, UTC): a JavaScript Date would drop the microseconds the hash covers.
// The text columns keep their names, so ORDER BY names the table's columns explicitly (a bare name would sort the text).
const canonicalTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const columns = `partition, sequence::text, record_id::text, ${canonicalTime("occur_time")} AS occur_time, ${canonicalTime("record_time")} AS record_time,
  actor_kind, actor_id, action, resource, outcome, source_ip, user_agent, trace_id, source, details, previous_hash, hash`;

const actorKinds = new Map(ActorKindSchema.values.map((v) => [v.name, v.number]));
const outcomes = new Map(OutcomeSchema.values.map((v) => [v.name, v.number]));

const toRecord = (row: RecordRow): AuditRecord => ({
  partition: row.partition,
  sequence: BigInt(row.sequence),
  recordId: row.record_id,
  occurTime: row.occur_time,
  recordTime: row.record_time,
  actorKind: actorKinds.get(row.actor_kind) ?? 0,
  actorId: row.actor_id,
  action: row.action,
  resource: row.resource,
  outcome: outcomes.get(row.outcome) ?? 0,
  sourceIp: row.source_ip,
  userAgent: row.user_agent,
  traceId: row.trace_id,
  source: row.source,
  details: row.details,
  previousHash: row.previous_hash,
  hash: row.hash,
});

const recordById = async (sql: pg.Pool | pg.PoolClient, recordId: string) => {
  const { rows } = await sql.query<RecordRow>(`SELECT ${columns} FROM audit_records WHERE record_id = $1`, [recordId]);
  return rows[0] === undefined ? undefined : toRecord(rows[0]);
};

/**
 * The audit log in PostgreSQL; `source` is the ce_source of its events. The
 * append's two statements are named, so each connection parses and plans
 * them once.
 */
export function createAuditStore(db: Database, source: string): AuditPgStore {
  const within = (client: pg.PoolClient): AuditTransaction => ({
    async lockHead(partition) {
      // One statement creates a new partition's head or locks the existing one (ON CONFLICT DO UPDATE takes the row lock).
      // A consumer's batch transaction locks the heads of several events in their order; two batches that meet in
      // opposite orders deadlock, PostgreSQL aborts one, and the consumer redoes that batch event by event: slower, never wrong.
      const { rows } = await client.query<{ sequence: string; hash: string }>({
        name: "audit-lock-head",
        text: `INSERT INTO audit_chain_heads (partition, sequence, hash) VALUES ($1, 0, $2)
               ON CONFLICT (partition) DO UPDATE SET sequence = audit_chain_heads.sequence
               RETURNING sequence::text, hash`,
        values: [partition, genesisHash],
      });
      return { sequence: BigInt(rows[0]!.sequence), hash: rows[0]!.hash };
    },
    async insert(record) {
      const { rowCount } = await client.query({
        name: "audit-insert",
        text: `WITH inserted AS (
           INSERT INTO audit_records (partition, sequence, record_id, occur_time, record_time, actor_kind, actor_id, action, resource, outcome,
                                      source_ip, user_agent, trace_id, source, details, previous_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
           ON CONFLICT (record_id) DO NOTHING
           RETURNING partition, sequence, hash
         )
         UPDATE audit_chain_heads h SET sequence = i.sequence, hash = i.hash FROM inserted i WHERE h.partition = i.partition`,
        values: [
          record.partition,
          record.sequence.toString(),
          record.recordId,
          record.occurTime,
          record.recordTime,
          reasonName(ActorKindSchema, record.actorKind),
          record.actorId,
          record.action,
          record.resource,
          reasonName(OutcomeSchema, record.outcome),
          record.sourceIp,
          record.userAgent,
          record.traceId,
          record.source,
          JSON.stringify(record.details),
          record.previousHash,
          record.hash,
        ],
      });
      return rowCount === 1;
    },
    recordById: (recordId) => recordById(client, recordId),
    async sealMovedHeads() {
      // Locked in name order, so two sealers never deadlock; an append holding a head makes the sealer wait for it
      // (skipping it instead would never seal a chain that is always busy).
      const { rows } = await client.query<{ partition: string; sequence: string; hash: string }>(
        `UPDATE audit_chain_heads SET sealed_sequence = sequence
         WHERE partition IN (SELECT partition FROM audit_chain_heads WHERE sequence > sealed_sequence ORDER BY partition FOR UPDATE)
         RETURNING partition, sequence::text, hash`,
      );
      return rows.map((row) => ({ partition: row.partition, sequence: BigInt(row.sequence), hash: row.hash }));
    },
    async publish(events) {
      await appendToOutbox(client, source, events);
    },
  });

  return {
    within,
    transaction: (work) => db.transaction((client) => work(within(client))),
    recordById: (recordId) => recordById(db.pool, recordId),
    async list(filter, after, limit) {
      const { where, values } = conditions(filter);
      if (after !== undefined) {
        values.push(after.occurTime, after.recordId);
        where.push(`(occur_time, record_id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
      }
      values.push(limit);
      const { rows } = await db.pool.query<RecordRow>(
        `SELECT ${columns} FROM audit_records ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
         ORDER BY audit_records.occur_time DESC, audit_records.record_id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(toRecord);
    },
    async partitions(prefix) {
      const { rows } = await db.pool.query<{ partition: string }>(
        `SELECT partition FROM audit_chain_heads WHERE starts_with(partition, $1) AND sequence > 0 ORDER BY partition`,
        [prefix],
      );
      return rows.map((row) => row.partition);
    },
    async chain(partition, from, to, limit) {
      const { rows } = await db.pool.query<RecordRow>(
        `SELECT ${columns} FROM audit_records
         WHERE partition = $1 AND sequence >= $2 AND ($3::bigint = 0 OR sequence <= $3)
         ORDER BY audit_records.sequence LIMIT $4`,
        [partition, from.toString(), to.toString(), limit],
      );
      return rows.map(toRecord);
    },
    async head(partition) {
      const { rows } = await db.pool.query<{ sequence: string; hash: string }>(`SELECT sequence::text, hash FROM audit_chain_heads WHERE partition = $1`, [partition]);
      return rows[0] === undefined ? undefined : ({ sequence: BigInt(rows[0].sequence), hash: rows[0].hash } satisfies ChainHead);
    },
  };
}

/** The WHERE conditions of a filter, with their parameters. */
function conditions(filter: RecordFilter): { where: string[]; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: (parameter: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(`$${values.length}`));
  };
  if (filter.actorKind !== undefined) add((p) => `actor_kind = ${p}`, reasonName(ActorKindSchema, filter.actorKind));
  if (filter.actorId !== undefined) add((p) => `actor_id = ${p}`, filter.actorId);
  // LIKE with the prefix's own wildcards escaped, so the text_pattern_ops index serves it.
  if (filter.actionPrefix !== undefined) add((p) => `action LIKE ${p}`, `${filter.actionPrefix.replace(/[\\%_]/g, "\\$&")}%`);
  if (filter.resource !== undefined) add((p) => `resource = ${p}`, filter.resource);
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, reasonName(OutcomeSchema, filter.outcome));
  if (filter.startTime !== undefined) add((p) => `occur_time >= ${p}::timestamptz`, filter.startTime);
  if (filter.endTime !== undefined) add((p) => `occur_time < ${p}::timestamptz`, filter.endTime);
  return { where, values };
}
