import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { GoalKind } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { GoalRecord, Window } from "./live-event-records.js";

/** Progress one source event gives one character. `school` is set by casts (a goal may ask for one school). */
export interface CharacterCredit {
  readonly characterId: string;
  readonly amount: bigint;
  readonly school?: School;
}

/** Progress one source event gives every member of a guild (a territory captured by the guild). */
export interface GuildCredit {
  readonly guildId: string;
  readonly amount: bigint;
}

export type Credit = CharacterCredit | GuildCredit;

/** A school only narrows casts; on another goal it would be silently ignored, so it is refused. */
export function validateGoal(goal: GoalRecord): GoalRecord {
  if (goal.school !== School.UNSPECIFIED && goal.kind !== GoalKind.SPELL_CASTS) {
    throw new DomainError(ErrorReason.INVALID_GOAL, "a spell school narrows only a GOAL_KIND_SPELL_CASTS goal", { field: "goal.school" });
  }
  return goal;
}

/** Whether a credit of a goal's kind is progress toward it (the school, when the goal names one). */
export function creditsGoal(goal: GoalRecord, credit: CharacterCredit): boolean {
  return goal.school === School.UNSPECIFIED || credit.school === goal.school;
}

/**
 * The window rule: a source event counts when the time it happened (its
 * ce_time, set by the service where it happened) lies inside the
 * occurrence's window [start, end), not before the character joined, and
 * not at or after a cancellation. The time the event reaches liveops does not
 * matter: a defeat at 19:59:59 delivered after a 20:00 end still counts, and
 * a late join does not collect what happened before it.
 */
export function countsToward(window: Window, joinedAt: Date, cancelledAt: Date | undefined, happenedAt: Date): boolean {
  const t = happenedAt.getTime();
  return t >= window.startsAt.getTime() && t < window.endsAt.getTime() && t >= joinedAt.getTime() && (cancelledAt === undefined || t < cancelledAt.getTime());
}
