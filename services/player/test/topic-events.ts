import { randomUUID } from "node:crypto";
import { createRegistry, fromBinary, type Message } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { file_chaos_combat_v1_events } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { file_chaos_player_v1_events } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { ensureTopics, fromKafkaHeaders } from "@chaos/mesh";

/** One event read back from Kafka: its CloudEvents type and subject, and the decoded payload. */
export interface TopicEvent {
  readonly type: string;
  /** The aggregate id (ce_subject, also the partition key). */
  readonly subject: string;
  readonly message: Message & Record<string, unknown>;
}

const registry = createRegistry(file_chaos_player_v1_events, file_chaos_combat_v1_events);

/**
 * Reads `topic` from its beginning until `done` holds for what was read (or
 * `timeoutMs` passes), the way any consumer would see the events: the tests
 * assert on what reached Kafka, not on outbox rows.
 */
export async function readTopicUntil(brokers: readonly string[], topic: string, done: (events: readonly TopicEvent[]) => boolean, timeoutMs = 20_000): Promise<TopicEvent[]> {
  const kafka = new Kafka({ clientId: "events-probe", brokers: [...brokers], logLevel: logLevel.NOTHING });
  await ensureTopics(kafka, [topic]);
  const consumer = kafka.consumer({ groupId: `probe-${randomUUID()}` });
  const events: TopicEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const attributes = fromKafkaHeaders(message.headers);
        const schema = attributes === undefined ? undefined : registry.getMessage(attributes.type);
        if (attributes === undefined || schema === undefined || message.value === null) return;
        events.push({ type: attributes.type, subject: attributes.subject, message: fromBinary(schema, message.value) as TopicEvent["message"] });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done(events) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return events;
  } finally {
    await consumer.disconnect();
  }
}
