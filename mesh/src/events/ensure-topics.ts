import type { Kafka } from "kafkajs";

/**
 * Creates topics that do not exist yet (and waits for their leaders), so a
 * consumer never subscribes to a partition the broker does not host yet.
 * Default 3 partitions: events are keyed by aggregate, so partitions bound
 * consumer parallelism per group.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}
