import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { LiveEventState } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { instanceIdOf } from "./instance-id.js";
import { eventNotFound } from "./live-events.js";
import type { ClaimRecord, InstanceRecord, ItemRewardRecord, LiveEventRecord, ParticipationRecord, StandingRecord } from "./live-event-records.js";
import { playerJoined, rewardClaimed } from "./liveops-events.js";
import { stateOf } from "./event-state.js";
import type { LiveopsStore } from "./liveops-store.js";
import { nextOccurrence, occurrenceAt } from "./schedule.js";
import { reachedTier } from "./tiers.js";

/**
 * Grants through inventory's ledger, each idempotent by its key: granting
 * again with a key returns the first result and moves nothing again.
 */
export interface RewardGranter {
  grantGold(characterId: string, amount: bigint, idempotencyKey: string, reason: string): Promise<void>;
  grantItems(characterId: string, items: readonly ItemRewardRecord[], idempotencyKey: string, reason: string): Promise<void>;
}

/** A player's part in live events: joining with their characters, progress, rewards, and the rankings. */
export interface Participations {
  join(playerId: string, eventId: string, characterId: string): Promise<{ participation: ParticipationRecord; instance: InstanceRecord; event: LiveEventRecord }>;
  get(playerId: string, instanceId: string, characterId: string): Promise<{ participation: ParticipationRecord; event: LiveEventRecord }>;
  claim(playerId: string, instanceId: string, characterId: string, tier: number): Promise<ClaimRecord>;
  leaderboard(instanceId: string, offset: number, limit: number): Promise<StandingRecord[]>;
}

/** The idempotency key of a tier's grant: one per (occurrence, character, tier) and kind, so no crash or retry grants twice. */
export const grantKey = (instanceId: string, characterId: string, tier: number, kind: "gold" | "items") => `liveops:reward:${instanceId}:${characterId}:${tier}:${kind}`;

export function createParticipations(store: LiveopsStore, granter: RewardGranter, clock: () => Date = () => new Date()): Participations {
  const ownCharacter = async (playerId: string, characterId: string) => {
    const character = await store.character(characterId);
    if (character === undefined || character.deleted || character.playerId !== playerId) {
      throw new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "that is not one of your characters");
    }
    return character;
  };
  const occurrence = async (instanceId: string) => {
    const instance = await store.instance(instanceId);
    const event = instance === undefined ? undefined : await store.event(instance.eventId);
    if (instance === undefined || event === undefined) throw new DomainError(ErrorReason.EVENT_NOT_FOUND, `no occurrence ${instanceId} of a live event`);
    return { instance, event };
  };
  const joined = async (instanceId: string, characterId: string) => {
    const participation = await store.participation(instanceId, characterId);
    if (participation === undefined) throw new DomainError(ErrorReason.NOT_JOINED, "the character has not joined this occurrence");
    return participation;
  };
  return {
    async join(playerId, eventId, characterId) {
      await ownCharacter(playerId, characterId);
      const event = await store.event(eventId);
      if (event === undefined) throw eventNotFound(eventId);
      if (event.cancelledAt !== undefined) throw new DomainError(ErrorReason.EVENT_CANCELLED, "the event was cancelled");
      const now = clock();
      // The clock decides, not whether the schedule job announced the start yet.
      const window = occurrenceAt(event.schedule, now);
      if (window === undefined) {
        const state = LiveEventState[stateOf(event, now)];
        const next = nextOccurrence(event.schedule, now);
        throw new DomainError(ErrorReason.EVENT_NOT_ACTIVE, next === undefined ? "no occurrence of the event is left" : `the next occurrence starts at ${next.startsAt.toISOString()}`, {
          state: `LIVE_EVENT_STATE_${state}`,
          ...(next === undefined ? {} : { next_start_time: next.startsAt.toISOString() }),
        });
      }
      return store.transaction(async (tx) => {
        const instance = await tx.ensureInstance(instanceIdOf(eventId, window), eventId, window);
        const participation: ParticipationRecord = { instanceId: instance.instanceId, eventId, characterId, playerId, progress: 0n, joinedAt: now, claimedTiers: [] };
        // A repeated join (a retry after a lost answer) gets the first participation, announced once.
        if (!(await tx.insertParticipation(participation))) return { participation: (await tx.participation(instance.instanceId, characterId))!, instance, event };
        await tx.publish([playerJoined(participation)]);
        return { participation, instance, event };
      });
    },
    async get(playerId, instanceId, characterId) {
      await ownCharacter(playerId, characterId);
      const { event } = await occurrence(instanceId);
      return { participation: await joined(instanceId, characterId), event };
    },
    async claim(playerId, instanceId, characterId, tier) {
      await ownCharacter(playerId, characterId);
      const { event } = await occurrence(instanceId);
      const participation = await joined(instanceId, characterId);
      const earlier = await store.claim(instanceId, characterId, tier);
      if (earlier !== undefined) return earlier;
      const reward = reachedTier(event.tiers, tier, participation.progress);
      // Inventory first, then the claim's row. A crash in between leaves no row: the next claim grants
      // again with the same keys, and inventory answers its first result without moving anything.
      const reason = `liveops:reward:${event.eventId}:${instanceId}:tier-${tier}`;
      const grantIds: string[] = [];
      if (reward.gold > 0n) {
        const key = grantKey(instanceId, characterId, tier, "gold");
        await granter.grantGold(characterId, reward.gold, key, reason);
        grantIds.push(key);
      }
      if (reward.items.length > 0) {
        const key = grantKey(instanceId, characterId, tier, "items");
        await granter.grantItems(characterId, reward.items, key, reason);
        grantIds.push(key);
      }
      const claim: ClaimRecord = { instanceId, eventId: event.eventId, characterId, tier, gold: reward.gold, items: reward.items, grantIds, claimedAt: clock() };
      return store.transaction(async (tx) => {
        const stored = await tx.insertClaim(claim);
        if (stored.inserted) await tx.publish([rewardClaimed(stored.claim)]);
        return stored.claim;
      });
    },
    async leaderboard(instanceId, offset, limit) {
      await occurrence(instanceId);
      return store.standings(instanceId, offset, limit);
    },
  };
}
