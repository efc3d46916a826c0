import { toBinary } from "@bufbuild/protobuf";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import type pg from "pg";
import { currentCallScope } from "../call-scope.js";
import type { OutgoingEvent } from "../domain/outgoing-event.js";
import { injectTraceContext } from "../observability/tracing.js";
import type { Migration } from "../persistence/migrations.js";
import { newCloudEvent, toKafkaHeaders } from "./cloud-event.js";

/** Channel the outbox notifies on commit, so the relay wakes at once instead of polling. */
export const outboxChannel = "chaos_outbox";

/**
 * The mesh's own tables, applied before a service's migrations: the outbox
 * (events written with the state change) and the inbox (event ids whose
 * effect was applied).
 */
export const eventTableMigrations: readonly Migration[] = [
  {
    name: "0000_mesh_outbox_inbox.sql",
    checksum: "mesh-1",
    sql: `
      CREATE TABLE IF NOT EXISTS mesh_outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        partition_key text NOT NULL,
        headers jsonb NOT NULL,
        payload bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      );
      CREATE INDEX IF NOT EXISTS mesh_outbox_unpublished ON mesh_outbox (id) WHERE published_at IS NULL;
      CREATE TABLE IF NOT EXISTS mesh_inbox (
        event_id text PRIMARY KEY,
        topic text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];

/**
 * Writes events into the outbox inside the caller's transaction, next to the
 * state change they describe: both commit or neither does. Per-aggregate
 * order holds when the transaction first locks (updates) the aggregate's row,
 * which makes transactions on one aggregate commit in outbox-id order.
 */
export async function appendToOutbox(client: pg.PoolClient, source: string, events: readonly OutgoingEvent[]): Promise<string[]> {
  const scope = currentCallScope();
  const trace = new Headers();
  injectTraceContext(scope?.traceContext ?? ROOT_CONTEXT, trace);
  const rows = events.map((event) => {
    const attributes = newCloudEvent(event.schema.typeName, source, event.aggregateId, trace.get("traceparent") ?? undefined);
    return { attributes, event, payload: Buffer.from(toBinary(event.schema, event.message)) };
  });
  if (rows.length === 0) return [];
  // One statement per call: a multi-row insert, and the NOTIFY that wakes the relay at commit (pg_notify in
  // the same statement saves a round trip; notifications are delivered only if the transaction commits).
  await client.query(
    `WITH inserted AS (
       INSERT INTO mesh_outbox (topic, partition_key, headers, payload)
       SELECT topic, partition_key, headers, payload
       FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::bytea[]) WITH ORDINALITY AS t(topic, partition_key, headers, payload, n) ORDER BY n
       RETURNING 1
     )
     SELECT pg_notify('${outboxChannel}', '') FROM (SELECT count(*) FROM inserted) AS done`,
    [rows.map((r) => r.event.topic), rows.map((r) => r.event.aggregateId), rows.map((r) => JSON.stringify(toKafkaHeaders(r.attributes))), rows.map((r) => r.payload)],
  );
  const ids = rows.map((r) => r.attributes.id);
  return ids;
}
