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
      if (missing.length > 0) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true }).catch(aclsNotYetSeen);
      // Also for topics found (another process may have created them a moment ago) and after a retry.
      const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (leaderless.length > 0) throw Object.assign(new Error(`no leader yet for ${leaderless.join(", ")}`), { retriable: true });
    }, 12);
  } finally {
    await admin.disconnect();
  }
}

/**
 * A refusal to create topics for want of authorization, retried like a
 * settling broker: the ACLs that allow it may have been granted a moment
 * before this process started (npm start and the test stacks grant them
 * right before), and a broker applies them from the metadata log a little
 * after the controller committed them; under load that took long enough for
 * a starting service to be refused. A grant that is really missing still
 * fails start-up once the retries are spent, naming the topics. Anything
 * else is thrown as it is.
 */
function aclsNotYetSeen(error: unknown): never {
  const errors = (error as { errors?: Array<{ type?: string; topic?: string }> }).errors ?? [];
  if (errors.length > 0 && errors.every((e) => e.type === "TOPIC_AUTHORIZATION_FAILED")) {
    throw Object.assign(new Error(`not authorized to create ${errors.map((e) => e.topic).join(", ")} (TOPIC_AUTHORIZATION_FAILED): the service's Kafka ACLs are missing, or had not reached the broker yet`), { retriable: true, cause: error });
  }
  throw error;
}
