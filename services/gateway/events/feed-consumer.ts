import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { NotificationCreatedSchema } from "@chaos/gen/chaos/notification/v1/events_pb.js";
import { AchievementUnlockedSchema, LevelReachedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { ensureTopics, fromKafkaHeaders } from "@chaos/mesh/events";
import type { Kafka } from "kafkajs";
import type { Logger } from "pino";
import type { FeedSourceEvent } from "../core/feed-events.js";

/** The events the feed reads, by ce_type; every other type on its topics is skipped. */
const feedEvents: ReadonlyMap<string, { readonly kind: FeedSourceEvent["kind"]; readonly schema: DescMessage }> = new Map(
  (
    [
      ["spellCast", SpellCastSchema],
      ["damageDealt", DamageDealtSchema],
      ["characterDefeated", CharacterDefeatedSchema],
      ["levelReached", LevelReachedSchema],
      ["achievementUnlocked", AchievementUnlockedSchema],
      ["notificationCreated", NotificationCreatedSchema],
    ] as const
  ).map(([kind, schema]) => [schema.typeName, { kind, schema }]),
);

/** Options of {@link startFeedConsumer}; every field has a documented default. */
export interface FeedConsumerOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** A group of this process alone: consumerGroupId("gateway", `feed-${randomUUID()}`). */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** The ce_source a topic's events must carry (ownerSourceOf); others are forged and never reach a player. */
  readonly sourceOf: (topic: string) => string;
  /** Called for every feed event, in partition order. */
  readonly onEvent: (event: FeedSourceEvent, eventId: string, publishedAt: Date) => void;
  /** How long start-up waits for the group to be joined and the first fetch done. Default 30000 ms. */
  readonly readyTimeoutMs?: number;
}

/** A running feed consumer. */
export interface FeedConsumer {
  stop(): Promise<void>;
}

/**
 * Reads the live feed's topics from Kafka. Every gateway process has a group
 * of its own, so each replica sees every event and serves the streams of its
 * own clients. It starts at the end of each partition (a feed is live, not a
 * history) and never commits offsets: the group is new on every start, and a
 * group without offsets disappears from the broker once its member leaves.
 *
 * Resolves once the group is joined and a first fetch has resolved the
 * partitions' offsets, so an event published after start-up is never missed
 * (gateway's ready line comes after this).
 */
export async function startFeedConsumer(options: FeedConsumerOptions): Promise<FeedConsumer> {
  await ensureTopics(options.kafka, options.topics);
  const owners = new Map(options.topics.map((topic) => [topic, options.sourceOf(topic)] as const));
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    // Events must reach players within a second; an idle fetch returns after this long.
    maxWaitTimeInMs: 100,
    allowAutoTopicCreation: false,
  });
  let joined = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const removeJoin = consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  // A fetch starts only after the assigned partitions' offsets were resolved ("latest", as nothing is committed).
  const removeFetch = consumer.on(consumer.events.FETCH, () => {
    if (joined) markReady();
  });
  // kafkajs restarts the consumer after retriable failures by itself; one it gives up on leaves the feed silent, so say so.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    options.logger.error({ err: payload.error, restarting: payload.restart }, "the live feed's Kafka consumer crashed");
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const attributes = fromKafkaHeaders(message.headers);
        const known = attributes === undefined ? undefined : feedEvents.get(attributes.type);
        if (attributes === undefined || known === undefined) return;
        if (attributes.source !== owners.get(topic)) {
          options.logger.warn({ topic, partition, offset: message.offset, source: attributes.source }, "feed event from a source that does not own its topic; dropped");
          return;
        }
        let decoded;
        try {
          decoded = fromBinary(known.schema, message.value ?? new Uint8Array());
        } catch (error) {
          options.logger.warn({ err: error, topic, partition, offset: message.offset, type: attributes.type }, "feed event does not parse; skipped");
          return;
        }
        const publishedAt = new Date(attributes.time);
        options.onEvent({ kind: known.kind, message: decoded } as FeedSourceEvent, attributes.id, Number.isNaN(publishedAt.getTime()) ? new Date() : publishedAt);
      },
    });
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the live feed's Kafka consumer did not join its group within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  } finally {
    removeJoin();
    removeFetch();
  }
  return { stop: () => consumer.disconnect() };
}
