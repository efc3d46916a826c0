import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PresenceOfflineSchema, PresenceOnlineSchema, PresenceSessionSchema, type PresenceSession } from "@chaos/gen/chaos/gateway/v1/events_pb.js";
import { ensureTopics, newCloudEvent, toKafkaHeaders } from "@chaos/mesh/events";
import type { Kafka } from "kafkajs";
import type { Logger } from "pino";

/** A live stream of a player, for presence. */
export interface PresenceStream {
  readonly playerId: string;
  /** The characters it is for; none: the player, no character in particular. */
  readonly characterIds: readonly string[];
}

/** Announces the gateway's live sessions (topic chaos.gateway.v1.presence) for chat's presence. */
export interface PresenceEvents {
  /** A stream opened; the function returned is called when it ends. Returns at once (events go in the background). */
  opened(stream: PresenceStream): () => void;
  close(): Promise<void>;
}

/** Options of {@link startPresenceEvents}. */
export interface PresenceEventsOptions {
  readonly kafka: Kafka;
  readonly logger: Logger;
  /** The topic, topicName("gateway", "presence"). */
  readonly topic: string;
  /** The gateway's SPIFFE ID (ce_source). */
  readonly source: string;
  /** How often every open session is announced again. */
  readonly heartbeatMs: number;
}

/** Sessions per heartbeat event, so one event stays far below Kafka's message size. */
const sessionsPerEvent = 500;

/**
 * Presence from the gateway's live streams: an online event when one opens,
 * an offline event when it ends, and a heartbeat of every open one. Each
 * announcement holds for three heartbeats, so the sessions of a gateway that
 * crashed lapse on their own. Like the rate-limit events, these go straight
 * to Kafka (the gateway has no database): a lost one is repaired by the next
 * heartbeat, and a client's stream never waits for the broker.
 */
export async function startPresenceEvents(options: PresenceEventsOptions): Promise<PresenceEvents> {
  await ensureTopics(options.kafka, [options.topic]);
  const producer = options.kafka.producer();
  await producer.connect();
  // Partition key and identity of this process's sessions: each gateway's events stay in order.
  const instanceId = randomUUID();
  const open = new Map<string, PresenceSession>();
  const ttlMs = options.heartbeatMs * 3;
  const send = async (online: boolean, sessions: readonly PresenceSession[]): Promise<void> => {
    if (sessions.length === 0) return;
    const [schema, message] = online
      ? [PresenceOnlineSchema, create(PresenceOnlineSchema, { gatewayInstanceId: instanceId, sessions: [...sessions], expireTime: timestampFromMs(Date.now() + ttlMs) })]
      : [PresenceOfflineSchema, create(PresenceOfflineSchema, { gatewayInstanceId: instanceId, sessions: [...sessions] })];
    await producer
      .send({
        topic: options.topic,
        messages: [{ key: instanceId, value: Buffer.from(toBinary(schema as typeof PresenceOnlineSchema, message as never)), headers: toKafkaHeaders(newCloudEvent(schema.typeName, options.source, instanceId)) }],
      })
      .catch((error: unknown) => options.logger.warn({ err: error }, "presence event not published (the next heartbeat repairs it)"));
  };
  const heartbeat = setInterval(() => {
    const sessions = [...open.values()];
    for (let i = 0; i < sessions.length; i += sessionsPerEvent) void send(true, sessions.slice(i, i + sessionsPerEvent));
  }, options.heartbeatMs);
  heartbeat.unref();
  return {
    opened(stream) {
      const session = create(PresenceSessionSchema, { sessionId: randomUUID(), playerId: stream.playerId, characterIds: [...stream.characterIds] });
      open.set(session.sessionId, session);
      void send(true, [session]);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        open.delete(session.sessionId);
        void send(false, [session]);
      };
    },
    async close() {
      clearInterval(heartbeat);
      await send(false, [...open.values()]);
      open.clear();
      await producer.disconnect();
    },
  };
}
