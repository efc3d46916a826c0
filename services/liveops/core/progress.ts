import { creditsGoal, countsToward, type CharacterCredit, type Credit } from "./goals.js";
import type { GoalSource } from "./goal-sources.js";
import { progressRecorded } from "./liveops-events.js";
import type { LiveopsTransaction } from "./liveops-store.js";

/** What liveops needs of a source event's CloudEvent attributes: its id, its type, and when it happened (RFC 3339). */
export interface SourceEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string;
}

/**
 * Counts a source event toward the goals it serves, inside the consumer's
 * inbox transaction: each credited character's joined occurrences whose
 * goal it matches and whose window held the event's time (countsToward).
 * The inbox makes a redelivered event a no-op; the credit rows, keyed by
 * occurrence, character and source event id, make it one even if an event
 * came twice under two deliveries the inbox cannot tell apart.
 */
export async function recordProgress(tx: LiveopsTransaction, source: GoalSource, credits: readonly Credit[], event: SourceEvent): Promise<void> {
  const happenedAt = new Date(event.time);
  if (Number.isNaN(happenedAt.getTime())) return;
  for (const credit of await characterCredits(tx, credits)) {
    for (const candidate of await tx.creditCandidates(credit.characterId, source.kind, happenedAt)) {
      if (!creditsGoal(candidate.goal, credit) || !countsToward(candidate.window, candidate.participation.joinedAt, candidate.cancelledAt, happenedAt)) continue;
      const { instanceId, characterId } = candidate.participation;
      const progress = await tx.addCredit(instanceId, characterId, event.id, credit.amount, happenedAt);
      if (progress !== undefined) await tx.publish([progressRecorded(candidate.participation, progress, credit.amount, event)]);
    }
  }
}

/** A guild's credit goes to each of its members, as guild's events have told liveops by the time the credit is counted. */
async function characterCredits(tx: LiveopsTransaction, credits: readonly Credit[]): Promise<CharacterCredit[]> {
  const each = await Promise.all(
    credits.map(async (c) => ("guildId" in c ? (await tx.guildMembers(c.guildId)).map((characterId) => ({ characterId, amount: c.amount })) : [c])),
  );
  return each.flat();
}
