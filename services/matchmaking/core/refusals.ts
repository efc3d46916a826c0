import { ErrorReason } from "@chaos/gen/chaos/matchmaking/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { QueueConfig } from "./queue-config.js";
import type { MatchmakingReads } from "./matchmaking-store.js";

/** The refusals of matchmaking's core; the handlers' mapping gives each its status code. */
export const refuse = {
  alreadyQueued: (ticketId: string, characterId: string) => new DomainError(ErrorReason.ALREADY_QUEUED, "a character of this party is already queued", { ticket_id: ticketId, character_id: characterId }),
  ticketNotFound: () => new DomainError(ErrorReason.TICKET_NOT_FOUND, "no such ticket"),
  matchNotFound: () => new DomainError(ErrorReason.MATCH_NOT_FOUND, "no such match"),
  readyCheckClosed: (why: string) => new DomainError(ErrorReason.READY_CHECK_CLOSED, why),
  resultConflict: () => new DomainError(ErrorReason.RESULT_CONFLICT, "this match's result was already reported differently"),
  notEligible: (maxLatencyMs: number) => new DomainError(ErrorReason.NOT_ELIGIBLE, `latency is above the queue's limit of ${maxLatencyMs} ms`, { max_latency_ms: String(maxLatencyMs) }),
  notOwner: () => new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "the character is not yours"),
  invalidResult: (why: string) => new DomainError(ErrorReason.INVALID_RESULT, why),
  queueNotFound: (queueId: string) => new DomainError(ErrorReason.QUEUE_NOT_FOUND, `no queue "${queueId}"`, { queue_id: queueId }),
  partyTooLarge: (teamSize: number) => new DomainError(ErrorReason.PARTY_TOO_LARGE, `a party fills one team of at most ${teamSize} distinct characters`, { team_size: String(teamSize) }),
  characterNotFound: (characterId: string) => new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "matchmaking has not heard of this character", { character_id: characterId }),
  regionNotServed: (regions: readonly string[]) => new DomainError(ErrorReason.REGION_NOT_SERVED, `the region must be one of ${regions.join(", ")}`, { regions: regions.join(",") }),
  seasonNotFound: () => new DomainError(ErrorReason.SEASON_NOT_FOUND, "no such season"),
};

/** The queue of the settings with this id, or QUEUE_NOT_FOUND. */
export function queueOf(queues: readonly QueueConfig[], queueId: string): QueueConfig {
  const queue = queues.find((q) => q.id === queueId);
  if (queue === undefined) throw refuse.queueNotFound(queueId);
  return queue;
}

/** Resolves when `playerId` owns the live character; CHARACTER_NOT_FOUND or NOT_CHARACTER_OWNER otherwise. */
export async function requireOwner(reads: MatchmakingReads, playerId: string, characterId: string): Promise<void> {
  const character = await reads.character(characterId);
  if (character === undefined || character.deleted) throw refuse.characterNotFound(characterId);
  if (character.playerId !== playerId) throw refuse.notOwner();
}
