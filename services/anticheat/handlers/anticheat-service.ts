import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AnticheatService } from "@chaos/gen/chaos/anticheat/v1/anticheat_service_pb.js";
import { AppealState, CaseState, PlayerStandingSchema, StandingSchema, type Standing } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import { toAction, toAppeal, toCase, toScoreChange, toSignal } from "../core/anticheat-message.js";
import type { Review, StandingView } from "../core/review.js";
import { decodeCursor, encodeCursor } from "./page-token.js";

/** Listings without a page size get this many per page. */
const defaultPageSize = 50;

const toStanding = (s: StandingView): Standing =>
  create(StandingSchema, {
    playerId: s.playerId,
    riskScore: s.score,
    scoreTime: timestampFromDate(s.scoreAt),
    activeActions: s.activeActions.map(toAction),
    mayLogIn: s.mayLogIn,
    mayTrade: s.mayTrade,
    recentChanges: s.recentChanges.map(toScoreChange),
  });

/** The public API: a player (token subject = player id) sees their own standing and appeals; moderators review. */
export function createAnticheatHandlers(review: Review): ServiceImpl<typeof AnticheatService> {
  return {
    async getMyStanding(_request, context) {
      const s = await review.myStanding(requirePrincipal(context).subject);
      return { standing: create(PlayerStandingSchema, { activeActions: s.activeActions.map(toAction), mayLogIn: s.mayLogIn, mayTrade: s.mayTrade }) };
    },
    async listMyActions(_request, context) {
      return { actions: (await review.myActions(requirePrincipal(context).subject)).map(toAction) };
    },
    async submitAppeal(request, context) {
      return { appeal: toAppeal(await review.submitAppeal(requirePrincipal(context).subject, request.actionId, request.statement)) };
    },
    async listMyAppeals(_request, context) {
      return { appeals: (await review.myAppeals(requirePrincipal(context).subject)).map(toAppeal) };
    },
    async listCases(request, context) {
      const state = request.state === CaseState.UNSPECIFIED ? CaseState.OPEN : request.state;
      const scope = `cases:${state}`;
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const found = await review.cases(requirePrincipal(context), state, decodeCursor(scope, request.pageToken), pageSize + 1);
      const page = found.slice(0, pageSize);
      const last = page.at(-1);
      return { cases: page.map(toCase), nextPageToken: found.length > pageSize && last !== undefined ? encodeCursor(scope, { at: last.openedAt, id: last.caseId }) : "" };
    },
    async getCase(request, context) {
      const view = await review.case(requirePrincipal(context), request.caseId);
      return { case: toCase(view.case), standing: toStanding(view.standing), signals: view.signals.map(toSignal), actions: view.actions.map(toAction) };
    },
    async resolveCase(request, context) {
      const extra = { kind: request.action, durationMs: request.duration === undefined ? 0 : durationMs(request.duration) };
      const outcome = await review.resolveCase(requirePrincipal(context), request.caseId, request.verdict, request.note, extra);
      return { case: toCase(outcome.case), action: outcome.action === undefined ? undefined : toAction(outcome.action) };
    },
    async getStanding(request, context) {
      return { standing: toStanding(await review.standing(requirePrincipal(context), request.playerId)) };
    },
    async listSignals(request, context) {
      const scope = `signals:${request.playerId}`;
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const found = await review.signals(requirePrincipal(context), request.playerId, decodeCursor(scope, request.pageToken), pageSize + 1);
      const page = found.slice(0, pageSize);
      const last = page.at(-1);
      return { signals: page.map(toSignal), nextPageToken: found.length > pageSize && last !== undefined ? encodeCursor(scope, { at: last.observedAt, id: last.signalId }) : "" };
    },
    async applyAction(request, context) {
      const durationMsGiven = request.duration === undefined ? 0 : durationMs(request.duration);
      return { action: toAction(await review.applyAction(requirePrincipal(context), { playerId: request.playerId, kind: request.kind, reason: request.reason, durationMs: durationMsGiven })) };
    },
    async liftAction(request, context) {
      return { action: toAction(await review.liftAction(requirePrincipal(context), request.actionId, request.reason)) };
    },
    async listAppeals(_request, context) {
      return { appeals: (await review.openAppeals(requirePrincipal(context))).map(toAppeal) };
    },
    async resolveAppeal(request, context) {
      // protovalidate lets only UPHELD and OVERTURNED through.
      const outcome = await review.resolveAppeal(requirePrincipal(context), request.appealId, request.outcome as AppealState.UPHELD | AppealState.OVERTURNED, request.resolution);
      return { appeal: toAppeal(outcome.appeal), action: toAction(outcome.action) };
    },
  };
}
