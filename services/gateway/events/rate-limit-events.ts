import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { RateLimitExceededSchema } from "@chaos/gen/chaos/gateway/v1/events_pb.js";
import { ensureTopics, newCloudEvent, toKafkaHeaders } from "@chaos/mesh/events";
import type { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import type { Logger } from "pino";
import type { RateLimitRefusal } from "../handlers/rate-limits.js";

/** Publishes RateLimitExceeded, at most once per limit and key per minute. */
export interface RateLimitEvents {
  /** Returns at once; the event (if this refusal is sampled) is sent in the background. */
  refused(refusal: RateLimitRefusal): void;
  close(): Promise<void>;
}

/** Options of {@link startRateLimitEvents}. */
export interface RateLimitEventsOptions {
  readonly kafka: Kafka;
  /** Holds the sampling marks, so replicas share them. */
  readonly redis: Redis;
  readonly logger: Logger;
  /** The topic, topicName("gateway", "traffic"). */
  readonly topic: string;
  /** The gateway's SPIFFE ID (ce_source). */
  readonly source: string;
  /** One event per limit and key per this period. Default 60000 ms. */
  readonly samplePeriodMs?: number;
}

/**
 * The gateway has no database, so there is no outbox: events go straight to
 * Kafka with a plain producer. A sampled metric event lost to a broker hiccup
 * or a crash is acceptable; making refusals wait for Kafka would not be.
 */
export async function startRateLimitEvents(options: RateLimitEventsOptions): Promise<RateLimitEvents> {
  const samplePeriodMs = options.samplePeriodMs ?? 60_000;
  await ensureTopics(options.kafka, [options.topic]);
  const producer = options.kafka.producer();
  await producer.connect();
  const publish = async (refusal: RateLimitRefusal) => {
    // SET NX: whichever replica refuses first in the period publishes; the others see the mark.
    const first = await options.redis.set(`ratelimit-event:${refusal.limit}:${refusal.key}`, "1", "PX", samplePeriodMs, "NX");
    if (first !== "OK") return;
    const message = create(RateLimitExceededSchema, { limit: refusal.limit, key: refusal.key, method: refusal.method, refuseTime: timestampNow() });
    await producer.send({
      topic: options.topic,
      messages: [
        {
          key: refusal.key,
          value: Buffer.from(toBinary(RateLimitExceededSchema, message)),
          headers: toKafkaHeaders(newCloudEvent(RateLimitExceededSchema.typeName, options.source, refusal.key)),
        },
      ],
    });
  };
  return {
    refused(refusal) {
      publish(refusal).catch((error: unknown) => options.logger.warn({ err: error, limit: refusal.limit }, "RateLimitExceeded event not published"));
    },
    close: () => producer.disconnect(),
  };
}
