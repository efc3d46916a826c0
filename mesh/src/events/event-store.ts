import { fromBinary, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type pg from "pg";
import { errorWithReason } from "../error-info.js";
import type { Migration } from "../persistence/migrations.js";

/** Tables of the event-sourced aggregate store; apply with a service's migrations. */
export const eventStoreMigrations: readonly Migration[] = [
  {
    name: "0000_mesh_event_store.sql",
    checksum: "mesh-es-1",
    sql: `
      CREATE TABLE IF NOT EXISTS mesh_events (
        position bigserial UNIQUE,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        version integer NOT NULL CHECK (version > 0),
        event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        event_type text NOT NULL,
        payload bytea NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (aggregate_type, aggregate_id, version)
      );
      CREATE TABLE IF NOT EXISTS mesh_snapshots (
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL,
        PRIMARY KEY (aggregate_type, aggregate_id)
      );`,
  },
];

/** One stored event, decoded. */
export interface StoredEvent {
  readonly aggregateId: string;
  readonly version: number;
  /** Global order of the store (for projections). */
  readonly position: number;
  readonly eventId: string;
  readonly message: Message;
}

/** The ErrorInfo domain of mesh-level errors. */
export const meshErrorDomain = "mesh.chaos.world";

/**
 * An event-sourced aggregate store in PostgreSQL. Appends carry the version
 * the writer last saw; a concurrent append to the same aggregate makes the
 * second one fail with ABORTED (reason ERROR_REASON_CONCURRENT_MODIFICATION),
 * which the caller may retry after reloading. Loading replays from the latest
 * snapshot.
 */
export function createEventStore(aggregateType: string, schemas: readonly DescMessage[]) {
  const byType = new Map(schemas.map((s) => [s.typeName, s]));

  const decode = (row: { aggregate_id: string; version: number; position: string; event_id: string; event_type: string; payload: Buffer }): StoredEvent => {
    const schema = byType.get(row.event_type);
    if (schema === undefined) throw new Error(`event store holds an unknown event type ${row.event_type}`);
    return { aggregateId: row.aggregate_id, version: row.version, position: Number(row.position), eventId: row.event_id, message: fromBinary(schema, row.payload) };
  };

  return {
    /** Appends events after `expectedVersion` (0 for a new aggregate); returns the new version. */
    async append(client: pg.PoolClient, aggregateId: string, expectedVersion: number, events: readonly { schema: DescMessage; message: Message }[]): Promise<number> {
      let version = expectedVersion;
      // A savepoint keeps the caller's transaction usable after a conflict, so it can report it.
      await client.query("SAVEPOINT mesh_event_append");
      try {
        for (const event of events) {
          version++;
          await client.query(
            "INSERT INTO mesh_events (aggregate_type, aggregate_id, version, event_type, payload) VALUES ($1, $2, $3, $4, $5)",
            [aggregateType, aggregateId, version, event.schema.typeName, Buffer.from(toBinary(event.schema, event.message))],
          );
        }
        await client.query("RELEASE SAVEPOINT mesh_event_append");
        return version;
      } catch (error) {
        await client.query("ROLLBACK TO SAVEPOINT mesh_event_append");
        if ((error as { code?: string }).code === "23505") {
          throw errorWithReason(Code.Aborted, `${aggregateType} ${aggregateId} changed concurrently (expected version ${expectedVersion}); reload and retry`, {
            reason: "ERROR_REASON_CONCURRENT_MODIFICATION",
            domain: meshErrorDomain,
            metadata: { expected_version: String(expectedVersion) },
          });
        }
        throw error;
      }
    },

    /** The events of one aggregate after `afterVersion`, in order. */
    async load(client: pg.PoolClient | pg.Pool, aggregateId: string, afterVersion = 0): Promise<StoredEvent[]> {
      const { rows } = await client.query(
        "SELECT aggregate_id, version, position, event_id, event_type, payload FROM mesh_events WHERE aggregate_type = $1 AND aggregate_id = $2 AND version > $3 ORDER BY version",
        [aggregateType, aggregateId, afterVersion],
      );
      return rows.map(decode);
    },

    /** Every event of this aggregate type in store order, in pages (projection rebuilds). */
    async *all(pool: pg.Pool, pageSize = 1000): AsyncIterable<StoredEvent> {
      let after = 0;
      for (;;) {
        const { rows } = await pool.query(
          "SELECT aggregate_id, version, position, event_id, event_type, payload FROM mesh_events WHERE aggregate_type = $1 AND position > $2 ORDER BY position LIMIT $3",
          [aggregateType, after, pageSize],
        );
        for (const row of rows) yield decode(row);
        if (rows.length < pageSize) return;
        after = Number(rows.at(-1)!.position);
      }
    },

    /**
     * Rebuilds an aggregate's state: the latest snapshot, then the events after
     * it. Writes a new snapshot when more than `snapshotEvery` events were
     * replayed (default 100), so long histories load in bounded time.
     */
    async rehydrate<S>(client: pg.PoolClient, aggregateId: string, initial: S, apply: (state: S, event: Message) => S, snapshotEvery = 100): Promise<{ state: S; version: number }> {
      const snapshot = await client.query<{ version: number; state: S }>(
        "SELECT version, state FROM mesh_snapshots WHERE aggregate_type = $1 AND aggregate_id = $2",
        [aggregateType, aggregateId],
      );
      let state = snapshot.rows[0]?.state ?? initial;
      let version = snapshot.rows[0]?.version ?? 0;
      const events = await this.load(client, aggregateId, version);
      for (const event of events) {
        state = apply(state, event.message);
        version = event.version;
      }
      if (events.length > snapshotEvery) {
        await client.query(
          `INSERT INTO mesh_snapshots (aggregate_type, aggregate_id, version, state) VALUES ($1, $2, $3, $4)
           ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state
           WHERE mesh_snapshots.version < EXCLUDED.version`,
          [aggregateType, aggregateId, version, JSON.stringify(state)],
        );
      }
      return { state, version };
    },
  };
}

/** The store returned by {@link createEventStore}. */
export type EventStore = ReturnType<typeof createEventStore>;

