import { ErrorReason } from "@chaos/gen/chaos/progression/v1/errors_pb.js";
import { DomainError, type OutgoingEvent } from "@chaos/mesh/domain";
import type { ProgressStore, ProgressTransaction } from "../store/progress-store.js";
import { achievements, newlyReached, type AchievementDefinition } from "./achievements.js";
import { experienceForDefeat } from "./experience-rules.js";
import { levelFor } from "./levels.js";
import { achievementUnlocked, experienceGained, levelReached } from "./progress-events.js";
import type { FollowUp, ProgressRecord } from "./progress-records.js";

/** What one source event does to one character. */
interface Change {
  readonly characterId: string;
  /** The event's id: an experience grant counts once per character and source event. */
  readonly sourceEventId: string;
  readonly experience: number;
  readonly experienceSource: "damage" | "defeat" | "grant";
  readonly defeat?: { readonly defeatedId: string; readonly defeatedPlayerId: string };
  /** The character's owner, when the event names it. */
  readonly playerId?: string;
}

/** A GrantExperience outcome: the progress afterwards, and whether the source event had been granted before. */
export interface GrantOutcome {
  readonly progress: ProgressRecord;
  readonly duplicate: boolean;
}

/** An achievement with a character's unlock state. */
export interface AchievementState {
  readonly definition: AchievementDefinition;
  readonly unlockedAt: Date | undefined;
}

/**
 * Experience, levels, defeats and achievements. Every change happens in one
 * transaction with its log rows, its events (outbox) and its follow-ups
 * (leaderboards, the level reward, player's level), so a change is either
 * complete or not there at all; consumers pass their inbox transaction in.
 */
export interface Progression {
  /** A cast names the caster's owner; that is all progression takes from it. */
  spellCast(tx: ProgressTransaction, casterCharacterId: string, casterPlayerId: string): Promise<void>;
  /** The source character gains experience equal to the damage. */
  damageDealt(tx: ProgressTransaction, sourceEventId: string, sourceCharacterId: string, amount: number): Promise<void>;
  /** The victor scores a defeat and gains experience (more for a player's character than for a training target). */
  characterDefeated(
    tx: ProgressTransaction,
    sourceEventId: string,
    defeat: { victorCharacterId: string; victorPlayerId: string; defeatedId: string; defeatedPlayerId: string },
  ): Promise<void>;
  characterCreated(tx: ProgressTransaction, characterId: string, playerId: string, name: string): Promise<void>;
  /** A deleted character leaves the leaderboards. */
  characterDeleted(tx: ProgressTransaction, characterId: string): Promise<void>;
  /** Experience from other services; idempotent by source event id. */
  grantExperience(characterId: string, experience: number, sourceEventId: string): Promise<GrantOutcome>;
  /** CHARACTER_NOT_FOUND when the character has no progression. */
  get(characterId: string): Promise<ProgressRecord>;
  achievements(characterId: string): Promise<AchievementState[]>;
}

export function createProgression(store: ProgressStore): Progression {
  const apply = async (tx: ProgressTransaction, change: Change): Promise<GrantOutcome> => {
    const before = await tx.lockProgress(change.characterId);
    const gains = change.experience > 0 && (await tx.logExperience(change.characterId, change.sourceEventId, change.experience, change.experienceSource));
    const defeats =
      change.defeat !== undefined && (await tx.logDefeat(change.characterId, change.sourceEventId, change.defeat.defeatedId, change.defeat.defeatedPlayerId));
    if (!gains && !defeats) return { progress: before, duplicate: true };

    const at = new Date();
    const playerId = before.playerId === "" ? (change.playerId ?? "") : before.playerId;
    const experience = before.experience + (gains ? change.experience : 0);
    const level = levelFor(experience);
    const defeatCount = before.defeats + (defeats ? 1 : 0);
    const unlocked = newlyReached({ level, defeats: defeatCount }, await tx.unlockedIds(change.characterId));
    for (const achievement of unlocked) await tx.unlock(change.characterId, achievement.id, achievement.points, at);
    const after: ProgressRecord = {
      characterId: change.characterId,
      playerId,
      experience,
      level,
      defeats: defeatCount,
      achievementPoints: before.achievementPoints + unlocked.reduce((sum, a) => sum + a.points, 0),
    };
    await tx.save(after);

    const levels = Array.from({ length: Math.max(0, level - before.level) }, (_, i) => before.level + i + 1);
    const events: OutgoingEvent[] = [
      ...(gains ? [experienceGained(change.characterId, change.experience, experience, change.sourceEventId)] : []),
      ...levels.map((l) => levelReached(change.characterId, playerId, l, at)),
      ...unlocked.map((a) => achievementUnlocked(change.characterId, playerId, a, at)),
    ];
    await tx.publish(events);
    const followUps: FollowUp[] = [
      { kind: "leaderboard", characterId: change.characterId },
      ...levels.map((l): FollowUp => ({ kind: "level_reward", characterId: change.characterId, level: l })),
      ...(levels.length > 0 ? [{ kind: "set_level", characterId: change.characterId, level } as const] : []),
    ];
    await tx.followUp(followUps);
    return { progress: after, duplicate: false };
  };

  return {
    async spellCast(tx, casterCharacterId, casterPlayerId) {
      await tx.lockProgress(casterCharacterId);
      if (casterPlayerId !== "") await tx.learnPlayer(casterCharacterId, casterPlayerId);
    },
    async damageDealt(tx, sourceEventId, sourceCharacterId, amount) {
      if (amount <= 0) return;
      await apply(tx, { characterId: sourceCharacterId, sourceEventId, experience: amount, experienceSource: "damage" });
    },
    async characterDefeated(tx, sourceEventId, defeat) {
      await apply(tx, {
        characterId: defeat.victorCharacterId,
        sourceEventId,
        experience: experienceForDefeat(defeat.defeatedPlayerId),
        experienceSource: "defeat",
        defeat: { defeatedId: defeat.defeatedId, defeatedPlayerId: defeat.defeatedPlayerId },
        playerId: defeat.victorPlayerId,
      });
    },
    async characterCreated(tx, characterId, playerId, name) {
      await tx.recordCharacter(characterId, playerId, name);
      await tx.lockProgress(characterId);
      await tx.learnPlayer(characterId, playerId);
    },
    async characterDeleted(tx, characterId) {
      if (await tx.markCharacterDeleted(characterId)) await tx.followUp([{ kind: "leaderboard", characterId }]);
    },
    grantExperience: (characterId, experience, sourceEventId) =>
      store.transaction((tx) => apply(tx, { characterId, sourceEventId, experience, experienceSource: "grant" })),
    async get(characterId) {
      const progress = await store.get(characterId);
      if (progress === undefined) throw new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "the character has no progression yet", { character_id: characterId });
      return progress;
    },
    async achievements(characterId) {
      const unlocks = new Map((await store.unlocks(characterId)).map((u) => [u.achievementId, u.unlockedAt]));
      return achievements.map((definition) => ({ definition, unlockedAt: unlocks.get(definition.id) }));
    },
  };
}
