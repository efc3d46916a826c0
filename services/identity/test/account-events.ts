import { randomUUID } from "node:crypto";
import { createRegistry, fromBinary, type Message } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { file_chaos_identity_v1_events } from "@chaos/gen/chaos/identity/v1/events_pb.js";
import { fromKafkaHeaders } from "@chaos/mesh";

/** One identity event read back from Kafka. */
export interface AccountEvent {
  /** The CloudEvents type: the message's full name, e.g. "chaos.identity.v1.LoginFailed". */
  readonly type: string;
  /** The account id (ce_subject and partition key). */
  readonly subject: string;
  readonly message: Message & Record<string, unknown>;
}

const registry = createRegistry(file_chaos_identity_v1_events);

/**
 * Reads `topic` from its beginning, as any consumer would, until `done` holds
 * for what was read or `timeoutMs` passed: the tests assert on what reached
 * Kafka, not on outbox rows.
 */
export async function readAccountEvents(brokers: readonly string[], topic: string, done: (events: readonly AccountEvent[]) => boolean, timeoutMs = 20_000): Promise<AccountEvent[]> {
  const kafka = new Kafka({ clientId: "identity-events-probe", brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `probe-${randomUUID()}` });
  const events: AccountEvent[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const attributes = fromKafkaHeaders(message.headers);
        const schema = attributes === undefined ? undefined : registry.getMessage(attributes.type);
        if (attributes === undefined || schema === undefined || message.value === null) return;
        events.push({ type: attributes.type, subject: attributes.subject, message: fromBinary(schema, message.value) as AccountEvent["message"] });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!done(events) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return events;
  } finally {
    await consumer.disconnect();
  }
}
