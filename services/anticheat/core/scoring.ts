import { ActionKind, SignalKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { AnticheatConfig } from "../config.js";
import type { AnticheatTransaction } from "./anticheat-store.js";
import { applyAction, openCase } from "./enforcement.js";
import type { SignalRecord } from "./records.js";
import { actionsDue } from "./responses.js";
import { decayed, withSignal } from "./risk-score.js";
import { signalIdOf } from "./signal-id.js";

/** What a rule reports of one source event. */
export interface Observation {
  readonly rule: string;
  readonly playerId: string;
  readonly characterId: string | undefined;
  readonly kind: SignalKind;
  readonly evidence: string;
  readonly sourceEventId: string;
  readonly observedAt: Date;
}

/** The settings scoring and the automatic response work with. */
export type ScoringSettings = Pick<AnticheatConfig, "weights" | "halfLifeMs" | "thresholds" | "suspensionMs" | "tradeRestrictionMs">;

const reasons: Readonly<Partial<Record<ActionKind, string>>> = {
  [ActionKind.FLAG]: "risk score reached the review threshold",
  [ActionKind.TRADE_RESTRICTION]: "risk score reached the trade restriction threshold",
  [ActionKind.SUSPENSION]: "risk score reached the suspension threshold",
  [ActionKind.BAN]: "risk score reached the ban threshold",
};

/**
 * Records the observation as a signal (once: its id comes from the source
 * event and the rule), adds its weight to the player's decaying score with
 * the change as evidence, and applies the automatic actions the new score
 * calls for, opening a review case with the first of them. False when the
 * signal was recorded before.
 */
export async function recordObservation(tx: AnticheatTransaction, observation: Observation, settings: ScoringSettings, now = new Date()): Promise<boolean> {
  const signal: SignalRecord = {
    signalId: signalIdOf(observation.sourceEventId, observation.rule),
    playerId: observation.playerId,
    characterId: observation.characterId,
    kind: observation.kind,
    weight: settings.weights[observation.kind],
    sourceEventId: observation.sourceEventId,
    evidence: observation.evidence,
    observedAt: observation.observedAt,
  };
  if (!(await tx.insertSignal(signal))) return false;
  const score = await tx.lockScore(signal.playerId, signal.observedAt);
  const before = decayed(score, signal.observedAt, settings.halfLifeMs);
  const next = withSignal(score, signal.weight, signal.observedAt, settings.halfLifeMs);
  await tx.saveScore(signal.playerId, next);
  const after = decayed(next, signal.observedAt, settings.halfLifeMs);
  await tx.insertScoreChange({ playerId: signal.playerId, before, after, signalIds: [signal.signalId], changedAt: signal.observedAt });

  const active = await tx.activeActions(signal.playerId);
  const due = actionsDue(after, settings.thresholds, new Set(active.map((a) => a.kind)));
  if (due.length === 0) return true;
  const reviewCase = await openCase(tx, signal.playerId, after, now);
  for (const kind of due) {
    const lasts = kind === ActionKind.SUSPENSION ? settings.suspensionMs : kind === ActionKind.TRADE_RESTRICTION ? settings.tradeRestrictionMs : undefined;
    await applyAction(
      tx,
      {
        playerId: signal.playerId,
        kind,
        reason: `${reasons[kind]} (${after.toFixed(1)}; last signal: ${signal.evidence})`,
        appliedBy: "auto",
        expiresAt: lasts === undefined ? undefined : new Date(now.getTime() + lasts),
        caseId: reviewCase.caseId,
      },
      now,
    );
  }
  return true;
}
