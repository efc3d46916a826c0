import type { Redis } from "ioredis";
import type { Presence } from "../core/live.js";

/** The gateways' sessions, as chat keeps them from their presence events. */
export interface PresenceBook extends Presence {
  /** Sessions are online until `expiresAt` unless renewed. */
  online(characterIds: readonly string[]): Promise<Set<string>>;
  sessionsOnline(sessions: readonly { sessionId: string; characterIds: readonly string[] }[], gatewayId: string, expiresAt: Date): Promise<void>;
  sessionsOffline(sessions: readonly { sessionId: string; characterIds: readonly string[] }[], gatewayId: string): Promise<void>;
}

/**
 * Chat's own Redis keys of who is online: per character a hash of its live
 * sessions (gateway and session id) to the time each lapses. A character is
 * online while one of them has not lapsed; a gateway that crashes stops
 * renewing its sessions with heartbeats and they lapse. The key itself
 * expires with its last session, so nothing is left behind.
 */
export function createRedisPresence(redis: Redis): PresenceBook {
  const key = (characterId: string) => `presence:${characterId}`;
  return {
    async online(characterIds) {
      const now = Date.now();
      const found = new Set<string>();
      if (characterIds.length === 0) return found;
      const pipeline = redis.pipeline();
      for (const id of characterIds) pipeline.hvals(key(id));
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error, values], i) => {
        if (error === null && (values as string[]).some((until) => Number(until) > now)) found.add(characterIds[i]!);
      });
      return found;
    },
    async sessionsOnline(sessions, gatewayId, expiresAt) {
      const until = expiresAt.getTime();
      if (until <= Date.now()) return;
      const pipeline = redis.pipeline();
      for (const session of sessions) {
        for (const id of session.characterIds) {
          pipeline.hset(key(id), `${gatewayId}/${session.sessionId}`, String(until));
          // The key lives as long as its longest session (GT: never shortened by an older heartbeat).
          pipeline.pexpireat(key(id), until, "GT");
          pipeline.pexpireat(key(id), until, "NX");
        }
      }
      await pipeline.exec();
    },
    async sessionsOffline(sessions, gatewayId) {
      const pipeline = redis.pipeline();
      for (const session of sessions) for (const id of session.characterIds) pipeline.hdel(key(id), `${gatewayId}/${session.sessionId}`);
      await pipeline.exec();
    },
  };
}
