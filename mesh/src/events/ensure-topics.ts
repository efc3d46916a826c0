import type { Kafka } from "kafkajs";
import { whileBrokerSettles } from "./while-broker-settles.js";

/**
 * Creates topics that do not exist yet and waits until the broker hosts a
 * leader for each of their partitions, so a consumer never subscribes to a
 * partition the broker does not host yet. Several processes may ensure the
 * same topics at once (a world starting): one creates them, the others find
 * them. Default 3 partitions: events are keyed by aggregate, so partitions
 * bound consumer parallelism per group.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], numPartitions = 3): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await whileBrokerSettles(async () => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
      // Also for topics found (another process may have created them a moment ago) and after a retry.
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (leaderless.length > 0) throw Object.assign(new Error(`no leader yet for ${leaderless.join(", ")}`), { retriable: true });
    }, 12);
  } finally {
    await admin.disconnect();
  }
}
