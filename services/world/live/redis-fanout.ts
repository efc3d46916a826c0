import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { TerritorySchema } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import { redisKeyPrefix } from "@chaos/mesh/server";
import type { LiveTerritories, TerritoryUpdate } from "../core/live.js";
import type { TerritoryStreams } from "../core/territory-streams.js";

/**
 * Live fan-out of territory changes over Redis pub/sub, as chat does it.
 * Why not polling the store alone: a tick's progress should reach every
 * console within moments of its commit, on whichever replica the console's
 * stream is, and polling every replica at tick pace would read every
 * territory several times per tick for nothing between contests. Why not
 * Kafka: every replica wants every notice, with no consumer group to join
 * and nothing kept. Pub/sub is at most once; that is acceptable because the
 * notice is a shortcut: the change is committed first, streams drop what is
 * not newer than what they sent (by revision), and each replica's sweep of
 * the revisions (a small query, only while streams are open) re-reads a
 * territory whose notice was lost. The domain events still go to Kafka
 * through the outbox for the services that consume them.
 */
export interface RedisFanout extends LiveTerritories {
  close(): Promise<void>;
}

interface Notice {
  /** The Territory message, binary, base64. */
  readonly t: string;
  readonly change: number;
}

export async function startRedisFanout(redis: Redis, streams: TerritoryStreams, logger: Logger): Promise<RedisFanout> {
  // Pub/sub channels are not keys: ioredis's key prefix does not apply, so it is named here (and the ACL user's channel pattern is the same prefix).
  const topic = `${redisKeyPrefix("world")}territories`;
  const subscriber = redis.duplicate({ commandTimeout: undefined });
  subscriber.on("error", (error: Error) => logger.warn({ err: error }, "world live subscriber: Redis error (streams catch up with their sweep)"));
  subscriber.on("message", (_channel: string, payload: string) => {
    let update: TerritoryUpdate;
    try {
      const notice = JSON.parse(payload) as Notice;
      update = { territory: fromBinary(TerritorySchema, Buffer.from(notice.t, "base64")), change: notice.change };
    } catch {
      logger.warn("world live subscriber: a notice that is not a territory update was ignored");
      return;
    }
    streams.changed(update);
  });
  await subscriber.subscribe(topic);
  return {
    async changed(updates) {
      for (const u of updates) {
        await redis.publish(topic, JSON.stringify({ t: Buffer.from(toBinary(TerritorySchema, u.territory)).toString("base64"), change: u.change } satisfies Notice));
      }
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
