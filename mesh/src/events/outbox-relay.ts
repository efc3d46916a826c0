import type { Tracer } from "@opentelemetry/api";
import type { Kafka, Producer } from "kafkajs";
import type pg from "pg";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { openListenSession, type ListenSession } from "../persistence/listen-session.js";
import { endMessagingSpan, startMessagingSpan, traceparentOf } from "../observability/tracing.js";
import { outboxChannel } from "./outbox.js";

/** Relay settings; every field has a documented default. */
export interface OutboxRelayOptions {
  readonly pool: pg.Pool;
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** Rows published per round. Default 500. */
  readonly batchSize?: number;
  /** Poll interval when no NOTIFY arrives (a safety net). Default 200 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How long a NOTIFY waits before the round starts, so the commits of that
   * moment go out in one round (one SELECT, one produce, one UPDATE) instead
   * of one round each. Default 5 ms: measured, a round per cast cost the
   * fireball flow CPU on a 2-core machine that its calls needed.
   */
  readonly batchDelayMs?: number;
  /** Registry for the lag metrics. */
  readonly registry?: Registry;
  /**
   * The service's tracer: each event that carries a traceparent is sent under
   * a "publish <topic>" span, child of the call that wrote it, and carries
   * that span on as its traceparent.
   */
  readonly tracer?: Tracer;
}

/** A running relay. */
export interface OutboxRelay {
  /** True while this replica holds the relay lock and publishes. */
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

const relayLockKey = 7_402_111_002;

/**
 * Publishes outbox rows to Kafka. Correct with transactions that commit out
 * of id order: every round takes the unpublished rows in id order, whatever
 * was published before, so a late commit is picked up by the next round and
 * never skipped. Rows are marked published only after the broker acknowledged
 * them (acks=all, idempotent producer); a crash in between republishes them,
 * and consumers' inboxes make that harmless. Several replicas may run: one
 * holds a session advisory lock and publishes, the others wait to take over,
 * which keeps each aggregate's events in order. The lock's session also reads
 * and marks the rows, so a relay whose session the database dropped stops
 * publishing at once, and takes the lock again on a new session if it can.
 */
export async function startOutboxRelay(options: OutboxRelayOptions): Promise<OutboxRelay> {
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const batchDelayMs = options.batchDelayMs ?? 5;
  const producer: Producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  await producer.connect();
  if (options.registry !== undefined) registerLagGauges(options.registry, options.pool);
  let stopped = false;
  let leader = false;
  let wake: (() => void) | undefined;
  // The session that holds the advisory lock, LISTENs, and reads and marks the rows: leadership is this
  // session's, so a round runs only while it is alive, and a session the database dropped (a failover, an
  // administrator) is noticed at once, with leadership given up, instead of crashing the process or leaving
  // two relays publishing.
  let session: ListenSession | undefined;
  const openSession = async (): Promise<ListenSession> => {
    session = await openListenSession(options.pool, outboxChannel, {
      onNotification: () => wake?.(),
      onLost: (error) => {
        options.logger.warn({ err: error, wasLeader: leader }, "outbox relay lost its database session; it publishes again once it holds the lock");
        session = undefined;
        leader = false;
      },
    });
    return session;
  };
  await openSession();

  const publishRound = async (client: pg.PoolClient): Promise<number> => {
    const { rows } = await client.query<{ id: string; topic: string; partition_key: string; headers: Record<string, string>; payload: Buffer }>(
      "SELECT id, topic, partition_key, headers, payload FROM mesh_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1",
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, typeof rows>();
    for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    const spans = publishSpans(rows);
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((row) => ({ key: row.partition_key, value: row.payload, headers: spans.headersOf(row) })),
        })),
      });
    } catch (error) {
      spans.end((error as Error).message);
      throw error;
    }
    spans.end();
    // Marked through the lock's session: if it died while the batch was sent, nothing is marked and the next
    // leader sends the batch again (consumers' inboxes absorb the repeat).
    await client.query("UPDATE mesh_outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [rows.map((r) => r.id)]);
    return rows.length;
  };

  /** The publish span of each row that carries a trace, and the headers that name it instead of its writer. */
  const publishSpans = (rows: ReadonlyArray<{ id: string; topic: string; headers: Record<string, string> }>) => {
    const byRow = new Map<string, { span: NonNullable<ReturnType<typeof startMessagingSpan>>; headers: Record<string, string> }>();
    if (options.tracer !== undefined) {
      for (const row of rows) {
        const span = startMessagingSpan(options.tracer, "producer", { topic: row.topic, eventId: row.headers.ce_id ?? row.id, traceparent: row.headers.traceparent });
        if (span !== undefined) byRow.set(row.id, { span, headers: { ...row.headers, traceparent: traceparentOf(span) } });
      }
    }
    return {
      headersOf: (row: { id: string; headers: Record<string, string> }) => byRow.get(row.id)?.headers ?? row.headers,
      end: (failure?: string) => {
        for (const { span } of byRow.values()) endMessagingSpan(span, failure);
      },
    };
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const { client } = session ?? (await openSession());
        if (!leader) {
          const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [relayLockKey]);
          leader = rows[0]?.locked === true;
          if (leader) options.logger.info("outbox relay: this replica publishes");
        }
        const published = leader ? await publishRound(client) : 0;
        if (published === batchSize) continue;
      } catch (error) {
        options.logger.error({ err: error }, "outbox relay round failed; retrying");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, leader ? pollIntervalMs : pollIntervalMs * 5);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          setTimeout(resolve, stopped ? 0 : batchDelayMs);
        };
      });
      wake = undefined;
    }
  })();

  return {
    get isLeader() {
      return leader;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      const ending = session;
      session = undefined;
      if (ending !== undefined && leader) await ending.client.query("SELECT pg_advisory_unlock($1)", [relayLockKey]).catch(() => undefined);
      leader = false;
      await ending?.close();
      await producer.disconnect();
    },
  };
}

/**
 * The outbox's lag, read when the metrics are scraped: one query per scrape
 * (every few seconds) instead of one per publishing round, and never stale.
 * Both gauges come from one query, shared by the two collects of a scrape.
 * When the database cannot answer, the gauges keep their last values rather
 * than failing the whole scrape.
 */
function registerLagGauges(registry: Registry, pool: pg.Pool): void {
  let reading: Promise<{ count: number; age: number } | undefined> | undefined;
  const read = () =>
    (reading ??= pool
      .query<{ count: string; age: number | null }>(
        "SELECT count(*) AS count, extract(epoch FROM now() - min(created_at)) AS age FROM mesh_outbox WHERE published_at IS NULL",
      )
      .then(({ rows }) => ({ count: Number(rows[0]?.count ?? 0), age: Number(rows[0]?.age ?? 0) }))
      .catch(() => undefined)
      .finally(() => setImmediate(() => (reading = undefined))));
  new Gauge({
    name: "chaos_outbox_unpublished_rows",
    help: "Outbox rows not yet acknowledged by Kafka.",
    registers: [registry],
    async collect() {
      const lag = await read();
      if (lag !== undefined) this.set(lag.count);
    },
  });
  new Gauge({
    name: "chaos_outbox_oldest_unpublished_seconds",
    help: "Age of the oldest unpublished outbox row.",
    registers: [registry],
    async collect() {
      const lag = await read();
      if (lag !== undefined) this.set(lag.age);
    },
  });
}
