import { describe, expect, it } from "vitest";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import type { DomainError } from "@chaos/mesh/domain";
import { reachedTier, reachedTiers, validateTiers, type TierInput } from "./tiers.js";

const tier = (threshold: bigint, gold = 10n): TierInput => ({ threshold, gold, items: [] });

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error("accepted");
}

describe("reward tiers", () => {
  it("numbers tiers by their place", () => {
    expect(validateTiers([tier(1n), tier(5n), tier(10n)]).map((t) => [t.tier, t.threshold])).toEqual([
      [1, 1n],
      [2, 5n],
      [3, 10n],
    ]);
  });

  it("refuses no tiers, thresholds that do not increase, and a tier that grants nothing", () => {
    expect(refusal(() => validateTiers([]))).toMatchObject({ reason: ErrorReason.INVALID_TIERS, metadata: { field: "tiers" } });
    const flat = refusal(() => validateTiers([tier(5n), tier(5n)]));
    expect(flat).toMatchObject({ reason: ErrorReason.INVALID_TIERS, metadata: { field: "tiers[1].threshold" } });
    expect(flat.message).toContain("thresholds must increase");
    expect(refusal(() => validateTiers([tier(5n), tier(3n)])).metadata.field).toBe("tiers[1].threshold");
    expect(refusal(() => validateTiers([tier(5n, 0n)])).metadata.field).toBe("tiers[0]");
    expect(validateTiers([{ threshold: 5n, gold: 0n, items: [{ definitionId: "potion_of_mana", quantity: 1n }] }])).toHaveLength(1);
  });

  it("a tier is reached at its threshold exactly, not one below", () => {
    const tiers = validateTiers([tier(3n), tier(6n)]);
    expect(reachedTiers(tiers, 2n)).toEqual([]);
    expect(reachedTiers(tiers, 3n).map((t) => t.tier)).toEqual([1]);
    expect(reachedTiers(tiers, 6n).map((t) => t.tier)).toEqual([1, 2]);
    expect(reachedTier(tiers, 1, 3n).threshold).toBe(3n);
    expect(refusal(() => reachedTier(tiers, 2, 5n))).toMatchObject({ reason: ErrorReason.TIER_NOT_REACHED, metadata: { progress: "5", threshold: "6" } });
    expect(refusal(() => reachedTier(tiers, 3, 100n))).toMatchObject({ reason: ErrorReason.TIER_NOT_FOUND, metadata: { tiers: "2" } });
  });
});
