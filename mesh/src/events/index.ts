/**
 * @chaos/mesh/events — the event backbone: the transactional outbox and its
 * relay, exactly-once consumers, dead letters, CloudEvents headers, topic
 * names and the project's Kafka client.
 */
export { newCloudEvent, toKafkaHeaders, fromKafkaHeaders, topicName, deadLetterTopic, protobufContentType, type CloudEventAttributes } from "./cloud-event.js";
export { appendToOutbox, eventTableMigrations, outboxChannel } from "./outbox.js";
export type { OutgoingEvent } from "../domain/outgoing-event.js";
export { ensureTopics } from "./ensure-topics.js";
export { connectKafka, consumerFetchWaitMs, createKafkaClient, createKafkaLogCreator, kafkaEnv, kafkaLoginFromEnv, type KafkaAccess, type KafkaLogin } from "./kafka-client.js";
export { kafkaAclsOf, grantKafkaAcls, revokeKafkaAcls } from "./kafka-acls.js";
export { listDeadLetters, replayDeadLetters, replayGroupId, type DeadLetter } from "./dead-letters.js";
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export { startEventConsumer, onEvent, type EventConsumer, type EventConsumerOptions, type EventHandler } from "./event-consumer.js";
export { ownerSourceOf } from "./topic-owner.js";
export { consumerGroupId } from "../world.js";
export { listDeadLetterTopics, type DeadLetterTopic } from "./dead-letters.js";
export { enqueueJobs, jobQueueMigrations, jobChannel, type JobRequest } from "../jobs/job-queue.js";
export { startJobWorker, type JobWorker, type JobWorkerOptions, type JobWorkerSettings, type JobHandlers, type JobRun } from "../jobs/job-worker.js";
