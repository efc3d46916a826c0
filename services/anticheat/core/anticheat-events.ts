import { create } from "@bufbuild/protobuf";
import { ActionAppliedSchema, ActionLiftedSchema, AppealResolvedSchema, CaseOpenedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import { toAction, toAppeal, toCase } from "./anticheat-message.js";
import type { ActionRecord, AppealRecord, CaseRecord } from "./records.js";

/** Keyed by player: one player's actions reach identity and trading in the order they happened. */
const topic = topicName("anticheat", "actions");

export const actionApplied = (action: ActionRecord): OutgoingEvent => ({
  topic,
  aggregateId: action.playerId,
  schema: ActionAppliedSchema,
  message: create(ActionAppliedSchema, { action: toAction(action) }),
});

export const actionLifted = (action: ActionRecord): OutgoingEvent => ({
  topic,
  aggregateId: action.playerId,
  schema: ActionLiftedSchema,
  message: create(ActionLiftedSchema, { action: toAction(action) }),
});

export const caseOpened = (record: CaseRecord): OutgoingEvent => ({
  topic,
  aggregateId: record.playerId,
  schema: CaseOpenedSchema,
  message: create(CaseOpenedSchema, { case: toCase(record) }),
});

export const appealResolved = (appeal: AppealRecord): OutgoingEvent => ({
  topic,
  aggregateId: appeal.playerId,
  schema: AppealResolvedSchema,
  message: create(AppealResolvedSchema, { appeal: toAppeal(appeal) }),
});
