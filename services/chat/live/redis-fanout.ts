import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { inWorld } from "@chaos/mesh/domain";
import type { ChannelChange, MessageRecord } from "../core/chat-records.js";
import type { LiveChanges } from "../core/live.js";
import type { MessageStreams } from "../core/message-streams.js";

/**
 * Live fan-out over Redis pub/sub. Why Redis and not Kafka: a chat line
 * must reach every replica's subscribers within milliseconds, and every
 * replica wants every notice (each holds some of every channel's
 * subscribers). Pub/sub delivers to all subscribers at once with no
 * consumer groups to join (a Kafka group join takes seconds, and a group per
 * replica re-reads from wherever it starts), and keeps nothing. Its
 * at-most-once delivery is acceptable because the notice is only a shortcut:
 * messages are committed in PostgreSQL first, each stream knows the revision
 * it delivered last per channel, and a jump or the periodic sweep makes it
 * read what it missed from the database. Domain events still go to Kafka
 * through the outbox, for the services that consume them.
 *
 * One pub/sub channel carries every chat channel's notices: a replica then
 * subscribes once instead of once per chat channel its streams follow.
 */
export interface RedisFanout extends LiveChanges {
  close(): Promise<void>;
}

interface WireMessage {
  readonly id: string;
  readonly ch: string;
  readonly seq: string;
  readonly rev: string;
  readonly from: string;
  readonly fromPlayer: string;
  readonly name: string;
  readonly text: string;
  readonly at: number;
  readonly del: number | null;
}

type Notice = { readonly t: "change"; readonly kind: ChannelChange["kind"]; readonly rev: string; readonly m: WireMessage } | { readonly t: "refresh"; readonly ids: readonly string[] };

const toWire = (m: MessageRecord): WireMessage => ({
  id: m.messageId,
  ch: m.channelId,
  seq: m.sequence.toString(),
  rev: m.revision.toString(),
  from: m.senderCharacterId,
  fromPlayer: m.senderPlayerId,
  name: m.senderName,
  text: m.deletedAt === undefined ? m.text : "",
  at: m.sentAt.getTime(),
  del: m.deletedAt?.getTime() ?? null,
});

const fromWire = (m: WireMessage): MessageRecord => ({
  messageId: m.id,
  channelId: m.ch,
  sequence: BigInt(m.seq),
  revision: BigInt(m.rev),
  senderCharacterId: m.from,
  senderPlayerId: m.fromPlayer,
  senderName: m.name,
  text: m.text,
  textHash: "",
  idempotencyKey: "",
  sentAt: new Date(m.at),
  deletedAt: m.del === null ? undefined : new Date(m.del),
});

/** Subscribes this replica's streams to every replica's notices, and publishes this replica's. */
export async function startRedisFanout(redis: Redis, streams: MessageStreams, logger: Logger): Promise<RedisFanout> {
  // Pub/sub channels are not keys: ioredis's key prefix does not apply, so the world and service are named here.
  const topic = `${inWorld("chat", ":")}:live`;
  const subscriber = redis.duplicate({ commandTimeout: undefined });
  subscriber.on("error", (error: Error) => logger.warn({ err: error }, "chat live subscriber: Redis error (streams catch up from the database)"));
  // After a reconnect ioredis subscribes again; notices published meanwhile are caught up by the sweep.
  subscriber.on("message", (_channel: string, payload: string) => {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      logger.warn("chat live subscriber: a notice that is not JSON was ignored");
      return;
    }
    if (notice.t === "change") streams.changed({ kind: notice.kind, revision: BigInt(notice.rev), message: fromWire(notice.m) });
    else streams.refresh(notice.ids);
  });
  await subscriber.subscribe(topic);
  const send = async (notice: Notice) => {
    await redis.publish(topic, JSON.stringify(notice));
  };
  return {
    changed: (change) => send({ t: "change", kind: change.kind, rev: change.revision.toString(), m: toWire(change.message) }),
    refresh: (characterIds) => send({ t: "refresh", ids: [...characterIds] }),
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
