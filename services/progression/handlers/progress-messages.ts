import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AchievementSchema,
  Board,
  LeaderboardEntrySchema,
  ProgressSchema,
  type Achievement,
  type LeaderboardEntry,
  type Progress,
} from "@chaos/gen/chaos/progression/v1/progress_pb.js";
import type { RankedCharacter } from "../core/leaderboards.js";
import { experienceToNextLevel } from "../core/levels.js";
import type { AchievementState } from "../core/progression.js";
import type { History, ProgressRecord } from "../core/progress-records.js";

/** The history each board ranks by: total experience, defeats, achievement points. */
export function historyOf(board: Board): History {
  switch (board) {
    case Board.LEVEL:
      return "experience";
    case Board.DEFEATS:
      return "defeats";
    case Board.ACHIEVEMENT_POINTS:
      return "achievement_points";
    default:
      // protovalidate refuses BOARD_UNSPECIFIED and undefined values before a handler runs.
      throw new Error(`no board ${board}`);
  }
}

export function toProgress(progress: ProgressRecord): Progress {
  return create(ProgressSchema, {
    characterId: progress.characterId,
    experience: BigInt(progress.experience),
    level: progress.level,
    experienceToNextLevel: BigInt(experienceToNextLevel(progress.experience)),
    defeats: BigInt(progress.defeats),
    achievementPoints: BigInt(progress.achievementPoints),
  });
}

export function toAchievement(state: AchievementState): Achievement {
  return create(AchievementSchema, {
    achievementId: state.definition.id,
    title: state.definition.title,
    description: state.definition.description,
    points: state.definition.points,
    unlocked: state.unlockedAt !== undefined,
    unlockTime: state.unlockedAt === undefined ? undefined : timestampFromDate(state.unlockedAt),
  });
}

export function toLeaderboardEntry(entry: RankedCharacter): LeaderboardEntry {
  return create(LeaderboardEntrySchema, { rank: BigInt(entry.rank), characterId: entry.characterId, characterName: entry.characterName, score: BigInt(entry.score) });
}
