import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { CharacterDefeated, DamageDealt, SpellCast } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import {
  AchievementUnlockedSchema,
  CharacterDefeatedSchema,
  DamageTakenSchema,
  LevelUpSchema,
  NotificationSchema,
  StreamPlayerEventsResponseSchema,
  type StreamPlayerEventsResponse,
} from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import type { NotificationCreated } from "@chaos/gen/chaos/notification/v1/events_pb.js";
import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { AchievementUnlocked, LevelReached } from "@chaos/gen/chaos/progression/v1/events_pb.js";

/** A domain event the live feed is made from. */
export type FeedSourceEvent =
  | { readonly kind: "spellCast"; readonly message: SpellCast }
  | { readonly kind: "damageDealt"; readonly message: DamageDealt }
  | { readonly kind: "characterDefeated"; readonly message: CharacterDefeated }
  | { readonly kind: "levelReached"; readonly message: LevelReached }
  | { readonly kind: "achievementUnlocked"; readonly message: AchievementUnlocked }
  | { readonly kind: "notificationCreated"; readonly message: NotificationCreated };

/** One feed item for one player. */
export interface FeedDelivery {
  readonly playerId: string;
  /** The player's characters the item is about (a stream may ask for some characters only). */
  readonly characterIds: readonly string[];
  readonly item: StreamPlayerEventsResponse;
}

/** Turns domain events into feed items, addressed to the players they concern. */
export interface FeedTranslator {
  /** `eventId` is the event's ce_id; `publishedAt` (ce_time) stands in when the event carries no time of its own. */
  translate(event: FeedSourceEvent, eventId: string, publishedAt: Date): FeedDelivery[];
}

/** Options of {@link createFeedTranslator}; every field has a documented default. */
export interface FeedTranslatorOptions {
  /** Casts whose spell is remembered until their DamageDealt arrives. Default 10000. */
  readonly rememberedCasts?: number;
}

/**
 * DamageDealt → DamageTaken for the target's player; CharacterDefeated → to
 * the defeated and the victorious player; LevelReached → LevelUp and
 * AchievementUnlocked → AchievementUnlocked for the character's player;
 * NotificationCreated → Notification for the player it is for.
 * Training targets have no player, so hits on them reach nobody.
 *
 * DamageDealt does not name the spell; its SpellCast does, and comes first:
 * combat writes both in one transaction, keyed by the caster, so they share
 * a partition and keep their order. The translator remembers the spell of
 * recent casts for that.
 */
export function createFeedTranslator(options: FeedTranslatorOptions = {}): FeedTranslator {
  const rememberedCasts = options.rememberedCasts ?? 10_000;
  const spellOfCast = new Map<string, string>();
  const item = (eventId: string, time: Timestamp | undefined, publishedAt: Date, value: StreamPlayerEventsResponse["item"]) =>
    create(StreamPlayerEventsResponseSchema, { eventId, occurTime: time ?? timestampFromDate(publishedAt), item: value });

  return {
    translate(event, eventId, publishedAt) {
      switch (event.kind) {
        case "spellCast": {
          spellOfCast.set(event.message.castId, event.message.spellId);
          for (const oldest of spellOfCast.keys()) {
            if (spellOfCast.size <= rememberedCasts) break;
            spellOfCast.delete(oldest);
          }
          return [];
        }
        case "damageDealt": {
          const hit = event.message;
          const spellId = spellOfCast.get(hit.castId) ?? "";
          spellOfCast.delete(hit.castId);
          if (hit.targetPlayerId === "") return [];
          const damage = create(DamageTakenSchema, {
            characterId: hit.targetId,
            sourceCharacterId: hit.sourceCharacterId,
            spellId,
            amount: hit.amount,
            healthAfter: hit.targetHealthAfter,
          });
          return [{ playerId: hit.targetPlayerId, characterIds: [hit.targetId], item: item(eventId, hit.dealtTime, publishedAt, { case: "damageTaken", value: damage }) }];
        }
        case "characterDefeated": {
          const defeat = event.message;
          const value = create(CharacterDefeatedSchema, { defeatedId: defeat.defeatedId, victorCharacterId: defeat.victorCharacterId });
          const feedItem = item(eventId, defeat.defeatTime, publishedAt, { case: "characterDefeated", value });
          const concerned = new Map<string, string[]>();
          for (const [playerId, characterId] of [
            [defeat.defeatedPlayerId, defeat.defeatedId],
            [defeat.victorPlayerId, defeat.victorCharacterId],
          ] as const) {
            if (playerId !== "") concerned.set(playerId, [...(concerned.get(playerId) ?? []), characterId]);
          }
          // One item per player, even when both characters are theirs.
          return [...concerned].map(([playerId, characterIds]) => ({ playerId, characterIds, item: feedItem }));
        }
        case "levelReached": {
          const level = event.message;
          if (level.playerId === "") return [];
          const value = create(LevelUpSchema, { characterId: level.characterId, level: level.level });
          return [{ playerId: level.playerId, characterIds: [level.characterId], item: item(eventId, level.reachTime, publishedAt, { case: "levelUp", value }) }];
        }
        case "achievementUnlocked": {
          const unlocked = event.message;
          if (unlocked.playerId === "") return [];
          const value = create(AchievementUnlockedSchema, { characterId: unlocked.characterId, achievementId: unlocked.achievementId, title: unlocked.title });
          return [
            { playerId: unlocked.playerId, characterIds: [unlocked.characterId], item: item(eventId, unlocked.unlockTime, publishedAt, { case: "achievementUnlocked", value }) },
          ];
        }
        case "notificationCreated": {
          const notification = event.message.notification;
          if (notification === undefined || notification.playerId === "") return [];
          const value = create(NotificationSchema, {
            notificationId: notification.notificationId,
            title: notification.title,
            body: notification.body,
            kind: notification.kind,
            category: `CATEGORY_${Category[notification.category] ?? "UNSPECIFIED"}`,
            link: notification.link,
            characterId: notification.characterId,
          });
          // A notification about no character reaches the streams that follow all of the player's characters.
          const characterIds = notification.characterId === "" ? [] : [notification.characterId];
          return [{ playerId: notification.playerId, characterIds, item: item(eventId, notification.createTime, publishedAt, { case: "notification", value }) }];
        }
      }
    },
  };
}
