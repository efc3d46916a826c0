/**
 * npm run dlq -- list             the topics that have dead letters, with how many (and how many not replayed yet)
 * npm run dlq -- list <topic>     the topic's dead letters, with their reasons
 * npm run dlq -- replay <topic>   publish them back to <topic> (each once), after fixing the cause
 * <topic> is the topic the events failed on (its dead letters are in <topic>.dlq; either name works).
 * Uses KAFKA_BROKERS, or the local broker of `npm run infra`.
 */
import { connectKafka, deadLetterTopic, listDeadLetters, listDeadLetterTopics, replayDeadLetters, type DeadLetterTopic } from "@chaos/mesh/events";
import type { Kafka } from "kafkajs";
import { loadInfraConfig } from "./infra/config.js";
import { kafkaAdminAccess } from "./infra/kafka.js";

const usage = "usage: npm run dlq -- list [<topic>] | replay <topic>";
const [command, given, ...extra] = process.argv.slice(2);
if (!((command === "list" && extra.length === 0) || (command === "replay" && given !== undefined && extra.length === 0))) {
  console.error(usage);
  process.exit(2);
}

const config = loadInfraConfig();
// As the brokers' administrator: dead-letter topics of every service, and the replay group.
const access = kafkaAdminAccess(config);
const brokers = access.brokers;
const kafka = connectKafka(access, { clientId: "chaos-dlq" });
const dlqSuffix = deadLetterTopic("");

try {
  if (given === undefined) printTopics(await listDeadLetterTopics(kafka));
  else {
    const topic = given.endsWith(dlqSuffix) ? given.slice(0, -dlqSuffix.length) : given;
    const withLetters = await listDeadLetterTopics(kafka);
    if (!withLetters.some((t) => t.topic === topic)) {
      if (!(await topicExists(kafka, topic))) {
        console.error(`no topic ${topic} on ${brokers.join(",")}, and no dead-letter topic ${deadLetterTopic(topic)}.`);
        console.error(withLetters.length === 0 ? "No topic has dead letters." : `Topics with dead letters: ${withLetters.map((t) => t.topic).join(", ")}`);
        process.exit(1);
      }
      console.log(`no dead letters: no event of ${topic} has failed`);
    } else if (command === "list") {
      const letters = await listDeadLetters(kafka, topic);
      for (const l of letters) console.log(`${l.partition}:${l.offset}  ${l.failedAt}  ${l.eventType}  ${l.eventId}  ${l.reason}`);
      console.log(`${letters.length} dead letter(s) in ${deadLetterTopic(topic)}`);
    } else {
      console.log(`replayed ${await replayDeadLetters(kafka, topic)} dead letter(s) to ${topic}`);
    }
  }
} catch (error) {
  console.error(`[dlq] ${(error as Error).message} (Kafka at ${brokers.join(",")})`);
  process.exit(1);
}

function printTopics(topics: readonly DeadLetterTopic[]): void {
  if (topics.length === 0) {
    console.log(`no dead letters on ${brokers.join(",")}: no event has failed`);
    return;
  }
  console.log("letters  not replayed  topic");
  for (const t of topics) console.log(`${String(t.letters).padStart(7)}  ${String(t.notReplayed).padStart(12)}  ${t.topic}`);
  console.log(`${topics.length} topic(s) with dead letters; \`npm run dlq -- list <topic>\` shows a topic's letters and their reasons`);
}

async function topicExists(client: Kafka, topic: string): Promise<boolean> {
  const admin = client.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}
