import { DomainError } from "@chaos/mesh/domain";
import { ActionState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/anticheat/v1/errors_pb.js";

export const notAModerator = () => new DomainError(ErrorReason.NOT_A_MODERATOR, "only moderators may do this");
export const actionNotFound = (actionId: string) => new DomainError(ErrorReason.ACTION_NOT_FOUND, "no such action", { action_id: actionId });
export const actionNotActive = (state: ActionState) =>
  new DomainError(ErrorReason.ACTION_NOT_ACTIVE, "the action is no longer in force", { state: `ACTION_STATE_${ActionState[state]}` });
export const appealNotFound = (appealId: string) => new DomainError(ErrorReason.APPEAL_NOT_FOUND, "no such appeal", { appeal_id: appealId });
export const appealAlreadyOpen = (appealId: string) => new DomainError(ErrorReason.APPEAL_ALREADY_OPEN, "an appeal of this action is open already", { appeal_id: appealId });
export const caseNotFound = (caseId: string) => new DomainError(ErrorReason.CASE_NOT_FOUND, "no such case", { case_id: caseId });
export const alreadyResolved = () => new DomainError(ErrorReason.ALREADY_RESOLVED, "this was resolved already");
export const invalidDuration = (message: string) => new DomainError(ErrorReason.INVALID_DURATION, message);
