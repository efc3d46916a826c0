import type { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import type { GoalKind } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";

/** What counts as progress: a kind of domain event, and for casts optionally one spell school. */
export interface GoalRecord {
  readonly kind: GoalKind;
  /** School.UNSPECIFIED: any (and the only value for goals that are not about casts). */
  readonly school: School;
}

export interface ItemRewardRecord {
  readonly definitionId: string;
  readonly quantity: bigint;
}

/** A reward at a progress threshold; `tier` is its 1-based place, lowest threshold first. */
export interface TierRecord {
  readonly tier: number;
  readonly threshold: bigint;
  readonly gold: bigint;
  readonly items: readonly ItemRewardRecord[];
}

/** Repeats an event: an occurrence starts at each cron time inside the schedule and lasts `durationMs`. */
export interface RecurrenceRecord {
  readonly cron: string;
  /** An IANA zone the expression is read in. */
  readonly timeZone: string;
  readonly durationMs: number;
}

/** When an event runs: once over [startsAt, endsAt), or recurring inside it. */
export interface ScheduleRecord {
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly recurrence: RecurrenceRecord | undefined;
}

/** A half-open time window [startsAt, endsAt). */
export interface Window {
  readonly startsAt: Date;
  readonly endsAt: Date;
}

export interface LiveEventRecord {
  readonly eventId: string;
  readonly title: string;
  readonly description: string;
  readonly goal: GoalRecord;
  readonly tiers: readonly TierRecord[];
  readonly schedule: ScheduleRecord;
  readonly cancelledAt: Date | undefined;
  readonly cancelReason: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One occurrence of an event, with its own window; `announced*` say whether its Started/Ended events went out. */
export interface InstanceRecord extends Window {
  readonly instanceId: string;
  readonly eventId: string;
  readonly startAnnounced: boolean;
  readonly endAnnounced: boolean;
}

export interface ParticipationRecord {
  readonly instanceId: string;
  readonly eventId: string;
  readonly characterId: string;
  readonly playerId: string;
  readonly progress: bigint;
  readonly joinedAt: Date;
  readonly claimedTiers: readonly number[];
}

/** A tier's reward as granted, kept to answer a repeated claim with the first result. */
export interface ClaimRecord {
  readonly instanceId: string;
  readonly eventId: string;
  readonly characterId: string;
  readonly tier: number;
  readonly gold: bigint;
  readonly items: readonly ItemRewardRecord[];
  readonly grantIds: readonly string[];
  readonly claimedAt: Date;
}

/** A character as liveops knows it from player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
  readonly deleted: boolean;
}

/** A leaderboard row. */
export interface StandingRecord {
  readonly characterId: string;
  readonly name: string;
  readonly progress: bigint;
  readonly joinedAt: Date;
}
