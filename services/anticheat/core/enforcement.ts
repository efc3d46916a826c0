import { randomUUID } from "node:crypto";
import { ActionKind, ActionState, CaseState, Verdict } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { actionApplied, actionLifted, caseOpened } from "./anticheat-events.js";
import type { AnticheatTransaction } from "./anticheat-store.js";
import type { ActionRecord, CaseRecord } from "./records.js";
import { decayed } from "./risk-score.js";

/** An action to apply: who, what, why, by whom, until when. */
export interface ActionRequest {
  readonly playerId: string;
  readonly kind: ActionKind;
  readonly reason: string;
  /** A moderator's account id, or "auto". */
  readonly appliedBy: string;
  readonly expiresAt: Date | undefined;
  readonly caseId: string | undefined;
}

/**
 * Applies an action and announces it (ActionApplied: identity and trading
 * enforce it from their own tables). A ban replaces the player's active
 * suspensions, which are lifted, so that overturning the ban lets the
 * player back in.
 */
export async function applyAction(tx: AnticheatTransaction, request: ActionRequest, now: Date): Promise<ActionRecord> {
  const action: ActionRecord = {
    actionId: randomUUID(),
    ...request,
    state: ActionState.ACTIVE,
    appliedAt: now,
    liftedAt: undefined,
    liftReason: "",
  };
  await tx.insertAction(action);
  await tx.publish([actionApplied(action)]);
  if (action.kind === ActionKind.BAN) {
    for (const suspension of (await tx.activeActions(action.playerId)).filter((a) => a.kind === ActionKind.SUSPENSION)) {
      await liftAction(tx, suspension, ActionState.OVERTURNED, "replaced by a ban", now);
    }
  }
  return action;
}

/** Ends an active action (expired or overturned) and announces it (ActionLifted). */
export async function liftAction(tx: AnticheatTransaction, action: ActionRecord, state: ActionState.EXPIRED | ActionState.OVERTURNED, reason: string, now: Date): Promise<ActionRecord> {
  const lifted: ActionRecord = { ...action, state, liftedAt: now, liftReason: reason };
  await tx.updateAction(lifted);
  await tx.publish([actionLifted(lifted)]);
  return lifted;
}

/** The player's open case, opened (and announced) now if there is none. */
export async function openCase(tx: AnticheatTransaction, playerId: string, score: number, now: Date): Promise<CaseRecord> {
  const open = await tx.openCaseOf(playerId);
  if (open !== undefined) return open;
  const record: CaseRecord = {
    caseId: randomUUID(),
    playerId,
    state: CaseState.OPEN,
    openingScore: score,
    openedAt: now,
    verdict: Verdict.UNSPECIFIED,
    note: "",
    resolvedBy: "",
    resolvedAt: undefined,
  };
  await tx.insertCase(record);
  await tx.publish([caseOpened(record)]);
  return record;
}

/**
 * Resets the player's score to zero, recorded as a change without signals:
 * a moderator found the signals wrong (a cleared case, an overturned
 * action), so they must not bring the actions straight back.
 */
export async function resetScore(tx: AnticheatTransaction, playerId: string, now: Date, halfLifeMs: number): Promise<void> {
  const score = await tx.lockScore(playerId, now);
  const before = decayed(score, now, halfLifeMs);
  if (before === 0) return;
  await tx.saveScore(playerId, { value: 0, at: now });
  await tx.insertScoreChange({ playerId, before, after: 0, signalIds: [], changedAt: now });
}
