import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Tracer } from "@opentelemetry/api";
import type { Consumer, Kafka, KafkaMessage, Producer } from "kafkajs";
import type pg from "pg";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { deadLetterTopic, fromKafkaHeaders, type CloudEventAttributes } from "./cloud-event.js";
import { topicPackage } from "./topic-owner.js";
import { endMessagingSpan, startMessagingSpan } from "../observability/tracing.js";
import { isTransientFailure } from "../transient-failure.js";
import { ensureTopics } from "./ensure-topics.js";
import { consumerFetchWaitMs } from "./kafka-client.js";

/**
 * The handler of one event type. Its effect runs in the inbox transaction,
 * on `Tx`: the consuming service's own store bound to that transaction, so
 * core code never sees the driver.
 */
export interface EventHandler<Tx = pg.PoolClient, Desc extends DescMessage = DescMessage> {
  readonly schema: Desc;
  handle(tx: Tx, message: MessageShape<Desc>, event: CloudEventAttributes): Promise<void>;
}

/** Pairs an event schema with its handler, keeping the message type checked. */
export function onEvent<Tx, Desc extends DescMessage>(schema: Desc, handle: (tx: Tx, message: MessageShape<Desc>, event: CloudEventAttributes) => Promise<void>): EventHandler<Tx> {
  return { schema, handle } as unknown as EventHandler<Tx>;
}

/** A message ready for its effect. */
interface Decoded<Tx> {
  readonly event: CloudEventAttributes;
  readonly handler: EventHandler<Tx>;
  readonly decoded: unknown;
}

/**
 * Consumer settings; every field has a documented default. A topic carries
 * its domain's every event type and a consumer handles only those it needs:
 * the other types of the topic's own package (`chaos.<domain>.v1.*`) are
 * acknowledged without an effect or an inbox row, so no consumer lists
 * another service's event types, and a publisher adding one breaks nobody.
 * A type from any other package, or a payload that does not parse, goes to
 * the dead-letter topic.
 */
export interface EventConsumerOptions<Tx = pg.PoolClient> {
  readonly kafka: Kafka;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** One consumer group per service. */
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handlers: readonly EventHandler<Tx>[];
  /** What a handler works on inside the inbox transaction (the service's store bound to it). */
  readonly bind: (client: pg.PoolClient) => Tx;
  /**
   * The ce_source a topic's events must carry: the SPIFFE ID of the workload
   * that owns it (ownerSourceOf; its outbox relay stamps it). Any local
   * process can write to Kafka, so an event claiming another source is forged
   * and goes to the dead-letter topic instead of having an effect.
   */
  readonly sourceOf: (topic: string) => string;
  /** Attempts before an event whose effect keeps failing by its own fault goes to the dead-letter topic. Default 5. */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each attempt up to maxBackoffMs. Default 100 ms. */
  readonly initialBackoffMs?: number;
  /** Longest delay between two attempts. Default 30 s. */
  readonly maxBackoffMs?: number;
  /**
   * How long an effect failing for the world's reasons (isTransientFailure: the
   * database or a called service away) is retried, holding back the later
   * events of its partition so their order holds, before it too goes to the
   * dead-letter topic. Default 15 min.
   */
  readonly transientRetryMs?: number;
  /** Read topics from the beginning when the group has no offsets. Default true. */
  readonly fromBeginning?: boolean;
  /**
   * How long a silent member keeps its partitions before the group moves them
   * (a crashed consumer's partitions wait this long). Default 10 s; the broker
   * allows 6 s to 5 min.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * Most events applied in one transaction of the fast path. kafkajs fetches
   * up to 1 MB per partition (thousands of events after downtime); applied in
   * one transaction, that outlasts the session, the broker drops the member
   * and the batch, uncommitted, comes again after the rebalance. Each chunk
   * commits, resolves its offset and heartbeats. Default 200: at a few ms an
   * effect a chunk takes about a second, a sixth of the shortest session the
   * broker allows (6 s), while one commit still carries 200 effects.
   */
  readonly maxEventsPerTransaction?: number;
  /** Partitions processed in parallel (each with its own transactions). Default 3. */
  readonly partitionsConsumedConcurrently?: number;
  readonly registry?: Registry;
  /**
   * The service's tracer: an effect applied (or found applied, or an event
   * dead-lettered) is recorded as a "process <topic>" span, child of the
   * event's traceparent, so the trace of the call that caused it goes on here.
   */
  readonly tracer?: Tracer;
}

/** A running consumer. */
export interface EventConsumer {
  stop(): Promise<void>;
}

/**
 * Consumes events with effects exactly once: the effect and the event id go
 * into the service's database in one transaction (the inbox), so a
 * redelivery after a crash or a rebalance finds the id and changes nothing.
 * A failing effect is retried with backoff. When the failure is the event's
 * own (a poison message), it goes after a few attempts to `<topic>.dlq` with
 * the reason, and the consumer keeps going; so do events of an unknown type
 * and payloads that do not parse. When it is the world's (a PostgreSQL blip,
 * a called service away), the partition waits and retries for minutes, so a
 * short outage delays effects instead of skipping them, and later events of
 * the same aggregate are never applied first.
 */
export async function startEventConsumer<Tx>(options: EventConsumerOptions<Tx>): Promise<EventConsumer> {
  const maxAttempts = options.maxAttempts ?? 5;
  const initialBackoffMs = options.initialBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const transientRetryMs = options.transientRetryMs ?? 15 * 60_000;
  const maxEventsPerTransaction = options.maxEventsPerTransaction ?? 200;
  if (!Number.isInteger(maxEventsPerTransaction) || maxEventsPerTransaction < 1) throw new Error(`maxEventsPerTransaction must be a positive integer, got ${maxEventsPerTransaction}`);
  const handlers = new Map(options.handlers.map((h) => [h.schema.typeName, h]));
  // "chaos.combat.v1." per topic, worked out once: the types of a topic's own package that are read past.
  const ownTypePrefixes = new Map(options.topics.flatMap((topic) => {
    const pkg = topicPackage(topic);
    return pkg === undefined ? [] : [[topic, `${pkg}.`] as const];
  }));
  // The source each topic's events must carry, worked out once.
  const ownerSources = new Map(options.topics.map((topic) => [topic, options.sourceOf(topic)] as const));
  const metrics = options.registry === undefined ? undefined : {
    processed: new Counter({ name: "chaos_events_processed_total", help: "Events whose effect was applied (or found already applied).", labelNames: ["topic", "outcome"], registers: [options.registry] }),
    lag: new Gauge({ name: "chaos_consumer_lag_messages", help: "Messages behind the partition's end, per topic and partition.", labelNames: ["topic", "partition"], registers: [options.registry] }),
    retries: new Counter({ name: "chaos_event_effect_retries_total", help: "Retried effects, by whether the failure was the world's (transient) or the event's (poison).", labelNames: ["topic", "kind"], registers: [options.registry] }),
    latency: new Histogram({ name: "chaos_event_delivery_seconds", help: "From ce_time to effect committed.", labelNames: ["topic"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [options.registry] }),
  };
  await ensureTopics(options.kafka, options.topics.flatMap((topic) => [topic, deadLetterTopic(topic)]));
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: true,
    sessionTimeout,
    maxWaitTimeInMs: consumerFetchWaitMs,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 6)),
  });
  const producer: Producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });

  const deadLetter = async (topic: string, partition: number, message: KafkaMessage, reason: string) => {
    options.logger.warn({ topic, partition, offset: message.offset, reason }, "event sent to the dead-letter topic");
    metrics?.processed.inc({ topic, outcome: "dead_letter" });
    await producer.send({
      topic: deadLetterTopic(topic),
      acks: -1,
      messages: [{
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          dlq_reason: reason,
          dlq_topic: topic,
          dlq_partition: String(partition),
          dlq_offset: message.offset,
          dlq_time: new Date().toISOString(),
        },
      }],
    });
  };

  const apply = async (topic: string, event: CloudEventAttributes, handler: EventHandler<Tx>, decoded: unknown): Promise<"applied" | "duplicate"> => {
    const client = await options.pool.connect();
    try {
      await client.query("BEGIN");
      const inserted = await client.query("INSERT INTO mesh_inbox (event_id, topic) VALUES ($1, $2) ON CONFLICT DO NOTHING", [event.id, topic]);
      if (inserted.rowCount === 0) {
        await client.query("ROLLBACK");
        return "duplicate";
      }
      await handler.handle(options.bind(client), decoded as never, event);
      await client.query("COMMIT");
      return "applied";
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  /** Decodes a message, says it is of a type this service does not handle, or says why it goes to the dead-letter topic. */
  const decode = (topic: string, message: KafkaMessage): Decoded<Tx> | { ignored: CloudEventAttributes } | { reason: string } => {
    const event = fromKafkaHeaders(message.headers);
    if (event === undefined) return { reason: "missing CloudEvents headers (ce_specversion, ce_id, ce_type)" };
    const owner = ownerSources.get(topic);
    if (event.source !== owner) return { reason: `ce_source ${event.source} does not own ${topic} (its events come from ${owner})` };
    const handler = handlers.get(event.type);
    if (handler === undefined) {
      const own = ownTypePrefixes.get(topic);
      return own !== undefined && event.type.startsWith(own) ? { ignored: event } : { reason: `unknown event type ${event.type}` };
    }
    try {
      return { event, handler, decoded: fromBinary(handler.schema, message.value ?? new Uint8Array()) };
    } catch (error) {
      return { reason: `unparseable ${event.type} payload: ${(error as Error).message}` };
    }
  };

  /** Counts an event's outcome; `startedAt` (when its effect began) makes the trace's span of it. */
  const observe = (topic: string, outcome: string, event: CloudEventAttributes, startedAt?: number) => {
    metrics?.processed.inc({ topic, outcome });
    const produced = Date.parse(event.time);
    if (outcome === "applied" && Number.isFinite(produced)) metrics?.latency.observe({ topic }, (Date.now() - produced) / 1000);
    if (startedAt !== undefined) traceOutcome(topic, outcome, event, startedAt);
  };

  /** The "process <topic>" span of one event, from when its effect began until now. */
  const traceOutcome = (topic: string, outcome: string, event: CloudEventAttributes, startedAt: number) => {
    if (options.tracer === undefined) return;
    const span = startMessagingSpan(options.tracer, "consumer", { topic, eventId: event.id, traceparent: event.traceparent, group: options.groupId, startTime: startedAt });
    span?.setAttribute("chaos.event.outcome", outcome);
    endMessagingSpan(span, outcome === "dead_letter" ? "sent to the dead-letter topic" : undefined);
  };

  /**
   * The careful path: one transaction per event, retries with backoff, then
   * the dead-letter topic. False when the consumer stops (or loses the
   * partition) while it waits: the event is left for whoever reads on.
   */
  const processOne = async (topic: string, partition: number, message: KafkaMessage, control: PartitionControl): Promise<boolean> => {
    const parsed = decode(topic, message);
    if ("reason" in parsed) {
      await deadLetter(topic, partition, message, parsed.reason);
      return true;
    }
    if ("ignored" in parsed) {
      observe(topic, "ignored", parsed.ignored);
      return true;
    }
    const firstFailure = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        observe(topic, await apply(topic, parsed.event, parsed.handler, parsed.decoded), parsed.event, firstFailure);
        return true;
      } catch (error) {
        const transient = isTransientFailure(error);
        const failingFor = Date.now() - firstFailure;
        if (transient ? failingFor >= transientRetryMs : attempt >= maxAttempts) {
          const why = transient ? `effect failed for ${Math.round(failingFor / 1000)} s (transient)` : `effect failed ${attempt} times`;
          await deadLetter(topic, partition, message, `${why}: ${(error as Error).message}`);
          traceOutcome(topic, "dead_letter", parsed.event, firstFailure);
          return true;
        }
        const delayMs = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
        options.logger.warn({ topic, partition, eventId: parsed.event.id, attempt, transient, retryInMs: Math.round(delayMs), err: error }, "event effect failed; retrying");
        metrics?.retries.inc({ topic, kind: transient ? "transient" : "poison" });
        if (!(await control.wait(delayMs))) return false;
      }
    }
  };

  /**
   * The fast path: a chunk of a fetched batch in one transaction — one inbox
   * insert for all its ids, then the effects of the new ones. If anything in
   * it fails, the transaction is rolled back and the chunk goes through the
   * careful path one event at a time, so one bad event costs speed, never
   * correctness.
   */
  const processChunk = async (topic: string, partition: number, messages: KafkaMessage[]): Promise<boolean> => {
    const parsed = messages.map((message) => decode(topic, message));
    if (parsed.some((p) => "reason" in p)) return false;
    const valid: Decoded<Tx>[] = [];
    for (const p of parsed) {
      if ("ignored" in p) observe(topic, "ignored", p.ignored);
      else valid.push(p as Decoded<Tx>);
    }
    if (valid.length === 0) return true;
    const startedAt = Date.now();
    let client: pg.PoolClient;
    try {
      client = await options.pool.connect();
    } catch (error) {
      // The careful path waits out a database that is away; thrown from here, kafkajs would restart the whole consumer.
      options.logger.warn({ topic, partition, err: error }, "no database connection for the chunk; processing its events one by one");
      return false;
    }
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ event_id: string }>(
        "INSERT INTO mesh_inbox (event_id, topic) SELECT DISTINCT unnest($1::text[]), $2 ON CONFLICT DO NOTHING RETURNING event_id",
        [valid.map((v) => v.event.id), topic],
      );
      const fresh = new Set(rows.map((r) => r.event_id));
      const outcomes: Array<[CloudEventAttributes, string]> = [];
      for (const p of valid) {
        if (!fresh.delete(p.event.id)) {
          outcomes.push([p.event, "duplicate"]);
          continue;
        }
        await p.handler.handle(options.bind(client), p.decoded as never, p.event);
        outcomes.push([p.event, "applied"]);
      }
      await client.query("COMMIT");
      for (const [event, outcome] of outcomes) observe(topic, outcome, event, startedAt);
      return true;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      options.logger.warn({ topic, partition, err: error }, "chunk failed; processing its events one by one");
      return false;
    } finally {
      client.release();
    }
  };

  await consumer.run({
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    // An offset is resolved only after its effects committed: a crash before that redelivers, the inbox absorbs it.
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      metrics?.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
      const stillOurs = () => isRunning() && !isStale();
      const control = partitionControl(heartbeat, stillOurs);
      for (let start = 0; start < batch.messages.length; start += maxEventsPerTransaction) {
        // Stopping or rebalanced away: the rest is left to whoever reads on, from the last resolved offset.
        if (!stillOurs()) return;
        const chunk = batch.messages.slice(start, start + maxEventsPerTransaction);
        if (await processChunk(batch.topic, batch.partition, chunk)) {
          resolveOffset(chunk.at(-1)!.offset);
          await heartbeat();
          continue;
        }
        for (const message of chunk) {
          if (!stillOurs()) return;
          if (!(await processOne(batch.topic, batch.partition, message, control))) return;
          resolveOffset(message.offset);
          await heartbeat();
        }
      }
    },
  });

  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** What a partition's careful path may do while it waits to retry. */
interface PartitionControl {
  /** Waits `ms`, heartbeating so the group keeps the partition here; false when the consumer should let go instead. */
  wait(ms: number): Promise<boolean>;
}

function partitionControl(heartbeat: () => Promise<void>, stillOurs: () => boolean): PartitionControl {
  // Below the session timeout's sixth at the shortest session the broker allows (6 s): a long wait never costs the partition.
  const sliceMs = 1_000;
  return {
    async wait(ms) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (!stillOurs()) return false;
        await new Promise((r) => setTimeout(r, Math.min(sliceMs, until - Date.now())));
        await heartbeat().catch(() => undefined);
      }
      return stillOurs();
    },
  };
}
