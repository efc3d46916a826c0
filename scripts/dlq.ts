/**
 * npm run dlq -- list <topic>     the topic's dead letters, with their reasons
 * npm run dlq -- replay <topic>   publish them back to <topic> (each once), after fixing the cause
 * Uses KAFKA_BROKERS, or the local broker of `npm run infra`.
 */
import { Kafka, logLevel } from "kafkajs";
import { listDeadLetters, replayDeadLetters } from "@chaos/mesh";
import { loadInfraConfig } from "./infra/config.js";

const [command, topic] = process.argv.slice(2);
if ((command !== "list" && command !== "replay") || topic === undefined) {
  console.error("usage: npm run dlq -- list|replay <topic>");
  process.exit(2);
}
const config = loadInfraConfig();
const kafka = new Kafka({ clientId: "chaos-dlq", brokers: config.kafkaBrokers ?? [`127.0.0.1:${config.kafkaPort}`], logLevel: logLevel.ERROR });
if (command === "list") {
  const letters = await listDeadLetters(kafka, topic);
  for (const l of letters) console.log(`${l.partition}:${l.offset}  ${l.failedAt}  ${l.eventType}  ${l.eventId}  ${l.reason}`);
  console.log(`${letters.length} dead letter(s) in ${topic}.dlq`);
} else {
  console.log(`replayed ${await replayDeadLetters(kafka, topic)} dead letter(s) to ${topic}`);
}
