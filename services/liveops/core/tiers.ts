import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { TierRecord } from "./live-event-records.js";

/** A tier as an admin describes it: its number is its place. */
export type TierInput = Omit<TierRecord, "tier">;

const invalid = (field: string, message: string) => new DomainError(ErrorReason.INVALID_TIERS, message, { field });

/**
 * Numbers the tiers (1 for the first) after refusing what would make a
 * reward unreachable or meaningless: no tiers, thresholds that do not go up
 * (a later tier reached no later than an earlier one), a tier granting nothing.
 */
export function validateTiers(tiers: readonly TierInput[]): TierRecord[] {
  if (tiers.length === 0) throw invalid("tiers", "an event needs at least one reward tier");
  return tiers.map((tier, index) => {
    const previous = tiers[index - 1];
    if (previous !== undefined && tier.threshold <= previous.threshold) {
      throw invalid(`tiers[${index}].threshold`, `thresholds must increase: tier ${index + 1} needs ${tier.threshold}, tier ${index} already ${previous.threshold}`);
    }
    if (tier.gold === 0n && tier.items.length === 0) throw invalid(`tiers[${index}]`, `tier ${index + 1} grants nothing: give it gold or items`);
    return { tier: index + 1, ...tier };
  });
}

/** The tiers a progress has reached. */
export function reachedTiers(tiers: readonly TierRecord[], progress: bigint): TierRecord[] {
  return tiers.filter((t) => progress >= t.threshold);
}

/** The tier a claim names, reached; TIER_NOT_FOUND or TIER_NOT_REACHED otherwise. */
export function reachedTier(tiers: readonly TierRecord[], tier: number, progress: bigint): TierRecord {
  const found = tiers.find((t) => t.tier === tier);
  if (found === undefined) throw new DomainError(ErrorReason.TIER_NOT_FOUND, `the event has tiers 1 to ${tiers.length}, not ${tier}`, { tiers: String(tiers.length) });
  if (progress < found.threshold) {
    throw new DomainError(ErrorReason.TIER_NOT_REACHED, `tier ${tier} needs ${found.threshold} progress; the character has ${progress}`, {
      progress: progress.toString(),
      threshold: found.threshold.toString(),
    });
  }
  return found;
}
