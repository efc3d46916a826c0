import type { ActionKind, ActionState, AppealState, CaseState, SignalKind, Verdict } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";

/** One observation by one rule of one source event. */
export interface SignalRecord {
  readonly signalId: string;
  readonly playerId: string;
  readonly characterId: string | undefined;
  readonly kind: SignalKind;
  readonly weight: number;
  readonly sourceEventId: string;
  readonly evidence: string;
  readonly observedAt: Date;
}

/** One move of a score, with the signals behind it (none for a reset by a moderator). */
export interface ScoreChangeRecord {
  readonly playerId: string;
  readonly before: number;
  readonly after: number;
  readonly signalIds: readonly string[];
  readonly changedAt: Date;
}

export interface ActionRecord {
  readonly actionId: string;
  readonly playerId: string;
  readonly kind: ActionKind;
  readonly state: ActionState;
  readonly reason: string;
  /** A moderator's account id, or "auto". */
  readonly appliedBy: string;
  readonly appliedAt: Date;
  readonly expiresAt: Date | undefined;
  readonly liftedAt: Date | undefined;
  readonly liftReason: string;
  readonly caseId: string | undefined;
}

export interface CaseRecord {
  readonly caseId: string;
  readonly playerId: string;
  readonly state: CaseState;
  readonly openingScore: number;
  readonly openedAt: Date;
  readonly verdict: Verdict;
  readonly note: string;
  readonly resolvedBy: string;
  readonly resolvedAt: Date | undefined;
}

export interface AppealRecord {
  readonly appealId: string;
  readonly actionId: string;
  readonly playerId: string;
  readonly statement: string;
  readonly state: AppealState;
  readonly resolution: string;
  readonly resolvedBy: string;
  readonly createdAt: Date;
  readonly resolvedAt: Date | undefined;
}

/** A position at a time (the speed rule's memory of a character). */
export interface PlacedAt {
  readonly zoneId: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly at: Date;
}
