import type { IHeaders, Kafka, KafkaMessage } from "kafkajs";
import { deadLetterTopic } from "./cloud-event.js";

/** One dead letter, as listed for an operator. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly failedAt: string;
}

/** The group that remembers which dead letters were replayed, so a replay never runs twice. */
export const replayGroupId = "chaos-dead-letter-replayer";

const header = (headers: IHeaders | undefined, key: string) => {
  const value = headers?.[key];
  return (Array.isArray(value) ? value[0] : value)?.toString() ?? "";
};

/**
 * Reads a topic's dead letters up to its current end. `groupId` decides
 * where reading starts: a throwaway group reads everything (listing), the
 * replay group reads what it has not replayed yet.
 */
async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  groupId: string,
  onLetter: (partition: number, message: KafkaMessage) => Promise<void>,
  timeoutMs: number,
): Promise<number> {
  const dlq = deadLetterTopic(topic);
  const admin = kafka.admin();
  await admin.connect();
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(dlq),
    admin.fetchOffsets({ groupId, topics: [dlq] }),
  ]).finally(() => admin.disconnect());
  const start = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  // A partition is done when the group already stands at its end (or it is empty).
  const remaining = new Map(ends.map((p) => [p.partition, (start.get(p.partition) ?? -1n) >= BigInt(p.high) ? 0n : BigInt(p.high)]));
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: dlq, fromBeginning: true });
  let count = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => [...remaining.values()].every((end) => end <= 0n);
      void consumer
        .run({
          // Commit after every letter: a replay interrupted halfway resumes where it stopped.
          autoCommitThreshold: 1,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition) ?? 0n;
            if (BigInt(message.offset) < end) {
              await onLetter(partition, message);
              count++;
            }
            if (BigInt(message.offset) + 1n >= end) remaining.set(partition, 0n);
            if (done()) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
      if (done()) {
        clearTimeout(timer);
        resolve();
      }
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/** Lists a topic's dead letters with their reasons. */
export async function listDeadLetters(kafka: Kafka, topic: string, timeoutMs = 15_000): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readDeadLetters(kafka, topic, `chaos-dead-letter-list-${Date.now()}-${Math.random()}`, async (partition, message) => {
    letters.push({
      partition,
      offset: message.offset,
      reason: header(message.headers, "dlq_reason"),
      eventId: header(message.headers, "ce_id"),
      eventType: header(message.headers, "ce_type"),
      failedAt: header(message.headers, "dlq_time"),
    });
  }, timeoutMs);
  return letters;
}

/**
 * Publishes a topic's dead letters back to the topic (key, value and
 * CloudEvents headers as they were; the dead-letter headers dropped), for
 * after the cause was fixed. Each letter is replayed once: progress is kept
 * by a consumer group. Consumers' inboxes absorb events that were in fact
 * applied before.
 */
export async function replayDeadLetters(kafka: Kafka, topic: string, timeoutMs = 15_000): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    return await readDeadLetters(kafka, topic, replayGroupId, async (_partition, message) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).filter(([key]) => !key.startsWith("dlq_")));
      await producer.send({ topic, acks: -1, messages: [{ key: message.key, value: message.value, headers }] });
    }, timeoutMs);
  } finally {
    await producer.disconnect();
  }
}
