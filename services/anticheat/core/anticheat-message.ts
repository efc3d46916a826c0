import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ActionSchema,
  AppealSchema,
  CaseSchema,
  ScoreChangeSchema,
  SignalSchema,
  type Action,
  type Appeal,
  type Case,
  type ScoreChange,
  type Signal,
} from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { barsLogin, barsTrading } from "./responses.js";
import type { ActionRecord, AppealRecord, CaseRecord, ScoreChangeRecord, SignalRecord } from "./records.js";

const stamp = (at: Date | undefined) => (at === undefined ? undefined : timestampFromDate(at));

export const toAction = (a: ActionRecord): Action =>
  create(ActionSchema, {
    actionId: a.actionId,
    playerId: a.playerId,
    kind: a.kind,
    state: a.state,
    reason: a.reason,
    appliedBy: a.appliedBy,
    applyTime: stamp(a.appliedAt),
    expireTime: stamp(a.expiresAt),
    liftTime: stamp(a.liftedAt),
    liftReason: a.liftReason,
    caseId: a.caseId ?? "",
    barsLogin: barsLogin(a.kind),
    barsTrading: barsTrading(a.kind),
  });

export const toSignal = (s: SignalRecord): Signal =>
  create(SignalSchema, {
    signalId: s.signalId,
    playerId: s.playerId,
    characterId: s.characterId ?? "",
    kind: s.kind,
    weight: s.weight,
    sourceEventId: s.sourceEventId,
    evidence: s.evidence,
    observeTime: stamp(s.observedAt),
  });

export const toScoreChange = (c: ScoreChangeRecord): ScoreChange =>
  create(ScoreChangeSchema, { scoreBefore: c.before, scoreAfter: c.after, signalIds: [...c.signalIds], changeTime: stamp(c.changedAt) });

export const toCase = (c: CaseRecord): Case =>
  create(CaseSchema, {
    caseId: c.caseId,
    playerId: c.playerId,
    state: c.state,
    openingScore: c.openingScore,
    openTime: stamp(c.openedAt),
    verdict: c.verdict,
    note: c.note,
    resolvedBy: c.resolvedBy,
    resolveTime: stamp(c.resolvedAt),
  });

export const toAppeal = (a: AppealRecord): Appeal =>
  create(AppealSchema, {
    appealId: a.appealId,
    actionId: a.actionId,
    playerId: a.playerId,
    statement: a.statement,
    state: a.state,
    resolution: a.resolution,
    resolvedBy: a.resolvedBy,
    createTime: stamp(a.createdAt),
    resolveTime: stamp(a.resolvedAt),
  });
