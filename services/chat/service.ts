import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ChatService } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { PresenceOfflineSchema, PresenceOnlineSchema, type PresenceSession } from "@chaos/gen/chaos/gateway/v1/events_pb.js";
import { GuildCreatedSchema, GuildDisbandedSchema, MemberJoinedSchema, MemberKickedSchema, MemberLeftSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema, CharacterMovedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { onEvent } from "@chaos/mesh/events";
import { consumeEvents, createRateLimiter, defineService, registration } from "@chaos/mesh/server";
import { Gauge } from "prom-client";
import { loadChatConfig } from "./config.js";
import { createChannels } from "./core/channels.js";
import { createCharacterFeed } from "./core/character-feed.js";
import type { ChatTransaction } from "./core/chat-store.js";
import { createMessageStreams } from "./core/message-streams.js";
import { createModeration } from "./core/moderation.js";
import { createPosting } from "./core/posting.js";
import { createSocial } from "./core/social.js";
import { createWordListFilter } from "./core/word-filter.js";
import { chatErrors } from "./handlers/chat-errors.js";
import { createChatHandlers } from "./handlers/chat-service.js";
import { startRedisFanout } from "./live/redis-fanout.js";
import { createRedisPresence } from "./live/redis-presence.js";
import { createRedisSpamGuard } from "./live/redis-spam-guard.js";
import { createChatStore } from "./store/chat-store.js";

/** Chat: channels of five kinds, history, live streams across replicas, moderation, friends and presence. */
export default defineService({
  name: "chat",
  description: "Chat: world, zone, guild, party and direct channels with history, live streams, moderation, friends and presence.",
  port: 7190,
  serves: [{ service: ChatService, public: {} }],
  verifiesEndUserTokens: true,
  state: { database: { migrations: new URL("./migrations", import.meta.url) }, redis: true },
  publishes: ["messages"],
  consumes: [
    { domain: "player", stream: "characters" },
    { domain: "guild", stream: "guilds" },
    { domain: "gateway", stream: "presence" },
  ],
  errors: chatErrors,
  settings: loadChatConfig,
  // A stream lasts until its access token expires (the gateway holds its own calls to 16 minutes).
  limits: () => ({ maxDeadlineMs: 3_600_000 }),
  async wire({ settings, db, redis, source, runtime, logger, onStop }) {
    const store = createChatStore(db, source);
    const streams = createMessageStreams(store, {
      maxStreamsPerPlayer: settings.maxStreamsPerPlayer,
      queueLimit: settings.streamQueueLimit,
      sweepMs: settings.streamSweepMs,
      logger,
    });
    onStop(() => streams.stop());
    const live = await startRedisFanout(redis, streams, logger);
    onStop(() => live.close());
    new Gauge({
      name: "chaos_chat_streams",
      help: "StreamMessages streams open on this replica.",
      registers: [runtime.metrics.registry],
      collect() {
        this.set(streams.openStreams);
      },
    });
    const presence = createRedisPresence(redis);
    const spam = createRedisSpamGuard(redis, createRateLimiter(redis), {
      postsPerMinute: settings.postsPerMinute,
      burst: settings.postBurst,
      duplicateWindowMs: settings.duplicateWindowSeconds * 1000,
    });
    const feed = createCharacterFeed();
    const flows = {
      reads: store,
      channels: createChannels(store, live, { maxPartyMembers: settings.maxPartyMembers }),
      posting: createPosting(store, { live, spam, filter: createWordListFilter(settings.blockedWords) }, { maxMessageLength: settings.maxMessageLength }),
      streams,
      moderation: createModeration(store, live),
      social: createSocial(store, presence, { maxFriends: settings.maxFriends }),
    };
    // A gateway names the characters a client asked for; only those of the session's player count (a player
    // cannot make someone else's character look online by naming it in a feed).
    const owned = (tx: ChatTransaction, list: readonly PresenceSession[]) =>
      Promise.all(list.map(async (s) => ({ sessionId: s.sessionId, characterIds: s.characterIds.length === 0 ? [] : await tx.ownedBy(s.playerId, s.characterIds) })));
    const sessions = (list: readonly PresenceSession[]) => list.map((s) => ({ sessionId: s.sessionId, characterIds: s.characterIds }));
    return {
      services: [registration(ChatService, createChatHandlers(flows))],
      events: consumeEvents(store.within, [
        onEvent(CharacterCreatedSchema, (tx, c) =>
          feed.created(tx, { characterId: c.characterId, playerId: c.playerId, name: c.name, zoneId: c.position?.zoneId === "" ? undefined : c.position?.zoneId }),
        ),
        onEvent(CharacterMovedSchema, async (tx, moved) => {
          if (moved.to !== undefined && moved.to.zoneId !== "") await feed.moved(tx, moved.characterId, moved.to.zoneId);
        }),
        onEvent(CharacterDeletedSchema, (tx, deleted) => feed.deleted(tx, deleted.characterId)),
        onEvent(GuildCreatedSchema, (tx, created) => feed.guildCreated(tx, created.guild!.guildId, created.guild!.name, created.leader!.characterId)),
        onEvent(MemberJoinedSchema, (tx, joined) => feed.memberJoined(tx, joined.member!.guildId, joined.guildName, joined.member!.characterId)),
        onEvent(MemberLeftSchema, (tx, left) => feed.memberGone(tx, left.guildId, left.characterId)),
        onEvent(MemberKickedSchema, (tx, kicked) => feed.memberGone(tx, kicked.guildId, kicked.characterId)),
        onEvent(GuildDisbandedSchema, (tx, disbanded) => feed.guildDisbanded(tx, disbanded.guild!.guildId)),
        // Presence lives in Redis with an expiry, not in the database: the inbox only keeps a redelivery from repeating it.
        onEvent(PresenceOnlineSchema, async (tx, online) =>
          presence.sessionsOnline(await owned(tx, online.sessions), online.gatewayInstanceId, online.expireTime === undefined ? new Date() : timestampDate(online.expireTime)),
        ),
        onEvent(PresenceOfflineSchema, (_tx, offline) => presence.sessionsOffline(sessions(offline.sessions), offline.gatewayInstanceId)),
      ]),
      // Open streams would hold shutdown for the whole grace period; ended at once, their clients resume on another replica.
      onDrain: () => streams.endAll(),
    };
  },
});
