import { randomUUID } from "node:crypto";
import { isAdmin, type Principal } from "@chaos/mesh/domain";
import { ActionKind, ActionState, AppealState, CaseState, Verdict } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { appealResolved } from "./anticheat-events.js";
import type { AnticheatStore, AnticheatTransaction, Cursor } from "./anticheat-store.js";
import { applyAction, liftAction, resetScore } from "./enforcement.js";
import type { ActionRecord, AppealRecord, CaseRecord, ScoreChangeRecord, SignalRecord } from "./records.js";
import { actionNotActive, actionNotFound, alreadyResolved, appealAlreadyOpen, appealNotFound, caseNotFound, invalidDuration, notAModerator } from "./refusals.js";
import { barsLogin, barsTrading } from "./responses.js";
import { decayed } from "./risk-score.js";

/** A player's standing as a moderator sees it. */
export interface StandingView {
  readonly playerId: string;
  readonly score: number;
  readonly scoreAt: Date;
  readonly activeActions: readonly ActionRecord[];
  readonly mayLogIn: boolean;
  readonly mayTrade: boolean;
  readonly recentChanges: readonly ScoreChangeRecord[];
}

/** A case with its evidence. */
export interface CaseView {
  readonly case: CaseRecord;
  readonly standing: StandingView;
  readonly signals: readonly SignalRecord[];
  readonly actions: readonly ActionRecord[];
}

/** A moderator's manual action. */
export interface ManualAction {
  readonly playerId: string;
  readonly kind: ActionKind;
  readonly reason: string;
  /** Zero when none was given. */
  readonly durationMs: number;
}

/** The players' side (their standing, their appeals) and the moderators' (the queue, verdicts, actions, appeals). */
export interface Review {
  myStanding(playerId: string): Promise<StandingView>;
  myActions(playerId: string): Promise<ActionRecord[]>;
  submitAppeal(playerId: string, actionId: string, statement: string): Promise<AppealRecord>;
  myAppeals(playerId: string): Promise<AppealRecord[]>;
  cases(moderator: Principal, state: CaseState, cursor: Cursor | undefined, limit: number): Promise<CaseRecord[]>;
  case(moderator: Principal, caseId: string): Promise<CaseView>;
  resolveCase(moderator: Principal, caseId: string, verdict: Verdict, note: string, action: Omit<ManualAction, "playerId" | "reason"> | undefined): Promise<{ case: CaseRecord; action: ActionRecord | undefined }>;
  standing(moderator: Principal, playerId: string): Promise<StandingView>;
  signals(moderator: Principal, playerId: string, cursor: Cursor | undefined, limit: number): Promise<SignalRecord[]>;
  applyAction(moderator: Principal, action: ManualAction): Promise<ActionRecord>;
  liftAction(moderator: Principal, actionId: string, reason: string): Promise<ActionRecord>;
  openAppeals(moderator: Principal): Promise<AppealRecord[]>;
  resolveAppeal(moderator: Principal, appealId: string, outcome: AppealState.UPHELD | AppealState.OVERTURNED, resolution: string): Promise<{ appeal: AppealRecord; action: ActionRecord }>;
}

/** A moderator is an admin (an admin principal, or the "admin" role), or an account with the "moderator" role. */
export function isModerator(principal: Pick<Principal, "kind" | "roles">): boolean {
  return isAdmin(principal) || principal.roles.includes("moderator");
}

const listLimit = 100;

/** Whether the action is in force at `now` (the sweep that marks expiries may not have run yet). */
const inForce = (action: ActionRecord, now: Date) => action.state === ActionState.ACTIVE && (action.expiresAt === undefined || action.expiresAt > now);

/** When a manual action of `kind` lasting `durationMs` ends; refuses a suspension without a duration and a ban or flag with one. */
function expiryOf(kind: ActionKind, durationMs: number, now: Date): Date | undefined {
  if (kind === ActionKind.SUSPENSION && durationMs === 0) throw invalidDuration("a suspension needs a duration");
  if ((kind === ActionKind.BAN || kind === ActionKind.FLAG) && durationMs !== 0) throw invalidDuration("a ban or a flag lasts until lifted; give no duration");
  return durationMs === 0 ? undefined : new Date(now.getTime() + durationMs);
}

export function createReview(store: AnticheatStore, settings: { halfLifeMs: number }): Review {
  const requireModerator = (principal: Principal) => {
    if (!isModerator(principal)) throw notAModerator();
  };

  async function standingOf(playerId: string): Promise<StandingView> {
    const now = new Date();
    const [score, actions, recentChanges] = await Promise.all([store.score(playerId), store.actions(playerId, true, listLimit), store.recentChanges(playerId, 20)]);
    const active = actions.filter((a) => inForce(a, now));
    return {
      playerId,
      score: score === undefined ? 0 : decayed(score, now, settings.halfLifeMs),
      scoreAt: now,
      activeActions: active,
      mayLogIn: !active.some((a) => barsLogin(a.kind)),
      mayTrade: !active.some((a) => barsTrading(a.kind)),
      recentChanges,
    };
  }

  /** Lifts the action as overturned; an automatic one's score goes back to zero, the signals behind it being found wrong. */
  async function overturn(tx: AnticheatTransaction, action: ActionRecord, reason: string, now: Date): Promise<ActionRecord> {
    const lifted = await liftAction(tx, action, ActionState.OVERTURNED, reason, now);
    if (action.appliedBy === "auto") await resetScore(tx, action.playerId, now, settings.halfLifeMs);
    return lifted;
  }

  return {
    myStanding: standingOf,
    myActions: (playerId) => store.actions(playerId, false, listLimit),

    submitAppeal: (playerId, actionId, statement) =>
      store.transaction(async (tx) => {
        const action = await tx.lockAction(actionId);
        if (action === undefined || action.playerId !== playerId) throw actionNotFound(actionId);
        if (!inForce(action, new Date())) throw actionNotActive(action.state === ActionState.ACTIVE ? ActionState.EXPIRED : action.state);
        const open = await tx.openAppealFor(actionId);
        if (open !== undefined) throw appealAlreadyOpen(open.appealId);
        const appeal: AppealRecord = {
          appealId: randomUUID(),
          actionId,
          playerId,
          statement,
          state: AppealState.OPEN,
          resolution: "",
          resolvedBy: "",
          createdAt: new Date(),
          resolvedAt: undefined,
        };
        await tx.insertAppeal(appeal);
        return appeal;
      }),

    myAppeals: (playerId) => store.appealsOf(playerId, listLimit),

    async cases(moderator, state, cursor, limit) {
      requireModerator(moderator);
      return store.cases(state, cursor, limit);
    },

    async case(moderator, caseId) {
      requireModerator(moderator);
      const record = await store.case(caseId);
      if (record === undefined) throw caseNotFound(caseId);
      const [standing, signals, actions] = await Promise.all([standingOf(record.playerId), store.signals(record.playerId, undefined, listLimit), store.actions(record.playerId, false, listLimit)]);
      return { case: record, standing, signals, actions };
    },

    async resolveCase(moderator, caseId, verdict, note, extra) {
      requireModerator(moderator);
      return store.transaction(async (tx) => {
        const record = await tx.lockCase(caseId);
        if (record === undefined) throw caseNotFound(caseId);
        if (record.state !== CaseState.OPEN) throw alreadyResolved();
        const now = new Date();
        const resolved: CaseRecord = { ...record, state: CaseState.RESOLVED, verdict, note, resolvedBy: moderator.subject, resolvedAt: now };
        await tx.updateCase(resolved);
        if (verdict === Verdict.CLEARED) {
          for (const action of (await tx.activeActions(record.playerId)).filter((a) => a.caseId === caseId)) await overturn(tx, action, `case cleared: ${note}`, now);
          await resetScore(tx, record.playerId, now, settings.halfLifeMs);
          return { case: resolved, action: undefined };
        }
        if (extra === undefined || extra.kind === ActionKind.UNSPECIFIED) return { case: resolved, action: undefined };
        const action = await applyAction(
          tx,
          { playerId: record.playerId, kind: extra.kind, reason: note, appliedBy: moderator.subject, expiresAt: expiryOf(extra.kind, extra.durationMs, now), caseId },
          now,
        );
        return { case: resolved, action };
      });
    },

    async standing(moderator, playerId) {
      requireModerator(moderator);
      return standingOf(playerId);
    },

    async signals(moderator, playerId, cursor, limit) {
      requireModerator(moderator);
      return store.signals(playerId, cursor, limit);
    },

    async applyAction(moderator, request) {
      requireModerator(moderator);
      const now = new Date();
      const expiresAt = expiryOf(request.kind, request.durationMs, now);
      return store.transaction(async (tx) => {
        const open = await tx.openCaseOf(request.playerId);
        return applyAction(tx, { playerId: request.playerId, kind: request.kind, reason: request.reason, appliedBy: moderator.subject, expiresAt, caseId: open?.caseId }, now);
      });
    },

    async liftAction(moderator, actionId, reason) {
      requireModerator(moderator);
      return store.transaction(async (tx) => {
        const action = await tx.lockAction(actionId);
        if (action === undefined) throw actionNotFound(actionId);
        if (action.state !== ActionState.ACTIVE) throw actionNotActive(action.state);
        return overturn(tx, action, reason, new Date());
      });
    },

    async openAppeals(moderator) {
      requireModerator(moderator);
      return store.openAppeals(listLimit);
    },

    async resolveAppeal(moderator, appealId, outcome, resolution) {
      requireModerator(moderator);
      return store.transaction(async (tx) => {
        const appeal = await tx.lockAppeal(appealId);
        if (appeal === undefined) throw appealNotFound(appealId);
        if (appeal.state !== AppealState.OPEN) throw alreadyResolved();
        const now = new Date();
        const resolved: AppealRecord = { ...appeal, state: outcome, resolution, resolvedBy: moderator.subject, resolvedAt: now };
        await tx.updateAppeal(resolved);
        await tx.publish([appealResolved(resolved)]);
        let action = (await tx.lockAction(appeal.actionId))!;
        // An action that expired meanwhile has nothing left to lift.
        if (outcome === AppealState.OVERTURNED && action.state === ActionState.ACTIVE) action = await overturn(tx, action, `appeal overturned: ${resolution}`, now);
        return { appeal: resolved, action };
      });
    },
  };
}
