import type { IHeaders, Kafka, KafkaMessage } from "kafkajs";
import { deadLetterTopic } from "./cloud-event.js";
import { whileBrokerSettles } from "./while-broker-settles.js";
import { consumerFetchWaitMs } from "./kafka-client.js";

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

/** What deadLetterTopic appends to a topic's name. */
const dlqSuffix = deadLetterTopic("");

/** A topic whose events were dead-lettered, as listed for an operator. */
export interface DeadLetterTopic {
  /** The topic the events failed on; its dead letters are in deadLetterTopic(topic). */
  readonly topic: string;
  /** How many dead letters its dead-letter topic holds. */
  readonly letters: number;
  /** How many of those replayDeadLetters has not published back yet. */
  readonly notReplayed: number;
}

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
  let ends: Array<{ partition: number; high: string }>;
  let committed: Array<{ partitions: Array<{ partition: number; offset: string }> }>;
  try {
    // No dead-letter topic: no event of the topic has failed (asking for its offsets would fail, after retries).
    if (!(await admin.listTopics()).includes(dlq)) return 0;
    [ends, committed] = await whileBrokerSettles(() => Promise.all([admin.fetchTopicOffsets(dlq), admin.fetchOffsets({ groupId, topics: [dlq] })]));
  } finally {
    await admin.disconnect();
  }
  const start = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  // A partition is done when the group already stands at its end (or it is empty).
  const remaining = new Map(ends.map((p) => [p.partition, (start.get(p.partition) ?? -1n) >= BigInt(p.high) ? 0n : BigInt(p.high)]));
  // Nothing left to read: no consumer at all. One started and disconnected
  // before its group join finished keeps joining afterwards (kafkajs), and
  // holds the process open with its heartbeats.
  if ([...remaining.values()].every((end) => end <= 0n)) return 0;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, maxWaitTimeInMs: consumerFetchWaitMs });
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
    });
  } finally {
    await consumer.disconnect();
  }
  return count;
}

/**
 * The topics that have a dead-letter topic, by name, with how many dead
 * letters each holds and how many of them were not replayed yet.
 */
export async function listDeadLetterTopics(kafka: Kafka): Promise<DeadLetterTopic[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const dlqs = (await admin.listTopics()).filter((name) => name.endsWith(dlqSuffix)).sort();
    if (dlqs.length === 0) return [];
    const [offsets, replayed] = await whileBrokerSettles(() =>
      Promise.all([Promise.all(dlqs.map((dlq) => admin.fetchTopicOffsets(dlq))), admin.fetchOffsets({ groupId: replayGroupId, topics: dlqs })]),
    );
    return dlqs.map((dlq, i) => {
      const done = new Map((replayed.find((t) => t.topic === dlq)?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      let letters = 0n;
      let notReplayed = 0n;
      for (const { partition, low, high } of offsets[i]!) {
        letters += BigInt(high) - BigInt(low);
        // The replay group's offset is -1 until it replayed something of the partition.
        const replayedTo = done.get(partition) ?? -1n;
        notReplayed += BigInt(high) - (replayedTo > BigInt(low) ? replayedTo : BigInt(low));
      }
      return { topic: dlq.slice(0, -dlqSuffix.length), letters: Number(letters), notReplayed: Number(notReplayed) };
    });
  } finally {
    await admin.disconnect();
  }
}

/** Lists a topic's dead letters with their reasons; none when no event of the topic has failed. */
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
