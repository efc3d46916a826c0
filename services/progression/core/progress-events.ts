import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AchievementUnlockedSchema, ExperienceGainedSchema, LevelReachedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { AchievementDefinition } from "./achievements.js";

/** Every progression event goes to chaos.progression.v1.progress, keyed by character id. */
function progressEvent<Desc extends DescMessage>(characterId: string, schema: Desc, message: MessageShape<Desc>): OutgoingEvent {
  return { topic: topicName("progression", "progress"), aggregateId: characterId, schema, message };
}

export function experienceGained(characterId: string, amount: number, experienceAfter: number, sourceEventId: string): OutgoingEvent {
  return progressEvent(
    characterId,
    ExperienceGainedSchema,
    create(ExperienceGainedSchema, { characterId, amount: BigInt(amount), experienceAfter: BigInt(experienceAfter), sourceEventId }),
  );
}

export function levelReached(characterId: string, playerId: string, level: number, at: Date): OutgoingEvent {
  return progressEvent(characterId, LevelReachedSchema, create(LevelReachedSchema, { characterId, playerId, level, reachTime: timestampFromDate(at) }));
}

export function achievementUnlocked(characterId: string, playerId: string, achievement: AchievementDefinition, at: Date): OutgoingEvent {
  return progressEvent(
    characterId,
    AchievementUnlockedSchema,
    create(AchievementUnlockedSchema, {
      characterId,
      playerId,
      achievementId: achievement.id,
      title: achievement.title,
      points: achievement.points,
      unlockTime: timestampFromDate(at),
    }),
  );
}
