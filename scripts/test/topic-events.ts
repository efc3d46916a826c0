import { randomUUID } from "node:crypto";
import { createRegistry, fromBinary, toBinary, type DescFile, type DescMessage, type Message, type MessageShape } from "@bufbuild/protobuf";
import { logLevel } from "kafkajs";
import { afterAll, beforeAll, inject } from "vitest";
import { connectKafka, consumerFetchWaitMs, ensureTopics, fromKafkaHeaders, newCloudEvent, toKafkaHeaders, topicName, type KafkaAccess } from "@chaos/mesh";

/** A CloudEvent as it travels on Kafka: what a test publishes, and may publish again as is (a redelivery). */
export interface PublishedEvent {
  readonly topic: string;
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly value: Buffer;
}

/** One event read back from Kafka: its CloudEvents type and subject, and the decoded payload. */
export interface TopicEvent {
  /** The CloudEvent id: a redelivered event (at least once) has the same id. */
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly message: Message & Record<string, unknown>;
}

/** `message` as the producing service's outbox relay would publish it (CloudEvents binary mode, key = aggregate id). */
export function cloudEvent<Desc extends DescMessage>(topic: string, source: string, aggregateId: string, schema: Desc, message: MessageShape<Desc>): PublishedEvent {
  return {
    topic,
    key: aggregateId,
    headers: toKafkaHeaders(newCloudEvent(schema.typeName, source, aggregateId)),
    value: Buffer.from(toBinary(schema, message)),
  };
}

/** Publishes events in order (acks from all replicas), standing in for services that are not part of the stack. */
export async function publish(access: KafkaAccess, events: readonly PublishedEvent[]): Promise<void> {
  const kafka = connectKafka(access, { clientId: "events-fixture", logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, [...new Set(events.map((e) => e.topic))]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const event of events) await producer.send({ topic: event.topic, acks: -1, messages: [{ key: event.key, value: event.value, headers: event.headers }] });
  } finally {
    await producer.disconnect();
  }
}

/** A topic read from its beginning by one consumer, as long as the test wants it. */
export interface FollowedTopic {
  /** Every event read so far, in topic order (per partition). */
  readonly events: readonly TopicEvent[];
  stop(): Promise<void>;
}

/**
 * Starts reading `topic` from its beginning, decoding the payloads with
 * `files`, as any consumer would see them: the tests assert on what reached
 * Kafka, not on outbox rows. A consumer takes seconds to join its group, so
 * a file that reads a topic often follows it once.
 */
export async function followTopic(access: KafkaAccess, topic: string, files: readonly DescFile[]): Promise<FollowedTopic> {
  const registry = createRegistry(...files);
  const kafka = connectKafka(access, { clientId: "events-probe", logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, [topic]);
  const consumer = kafka.consumer({ groupId: `probe-${randomUUID()}`, maxWaitTimeInMs: consumerFetchWaitMs });
  const events: TopicEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const attributes = fromKafkaHeaders(message.headers);
        const schema = attributes === undefined ? undefined : registry.getMessage(attributes.type);
        if (attributes === undefined || schema === undefined || message.value === null) return;
        events.push({ id: attributes.id, type: attributes.type, subject: attributes.subject, message: fromBinary(schema, message.value) as TopicEvent["message"] });
      },
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { events, stop: () => consumer.disconnect() };
}

/** Reads `topic` from its beginning until `done` holds for what was read (or `timeoutMs` passes). */
export async function readTopicUntil(
  access: KafkaAccess,
  topic: string,
  files: readonly DescFile[],
  done: (events: readonly TopicEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<TopicEvent[]> {
  const followed = await followTopic(access, topic, files);
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done(followed.events) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return [...followed.events];
  } finally {
    await followed.stop();
  }
}

/** Polls `probe` until it returns a value `accept` takes (or the time is up, then the last value or error is thrown at the caller). */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { value: T } | { error: unknown };
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      if ("error" in last) throw last.error;
      return last.value;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A test file's view of one domain's events in its stack's world (read when
 * the file's tests start, so a stack of useStack will do): the
 * domain's `streams` are followed from their beginning before the file's
 * tests and let go after them; the answer lists the events of a type (the
 * message name, e.g. "MatchFound"), as Kafka carries them.
 */
export function useDomainEvents(stack: { readonly world: string }, file: DescFile, streams: readonly string[]): (type: string) => TopicEvent[] {
  // chaos.<domain>.v1: the contract package names the domain, and so the topics.
  const domain = file.proto.package.split(".")[1] ?? "";
  const followed: FollowedTopic[] = [];
  beforeAll(async () => {
    for (const stream of streams) followed.push(await followTopic(inject("infra").kafka, `${stack.world}.${topicName(domain, stream)}`, [file]));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(followed.map((f) => f.stop()));
  });
  return (type) => followed.flatMap((f) => f.events).filter((e) => e.type === `${file.proto.package}.${type}`);
}
