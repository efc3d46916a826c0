import { describe, expect, it } from "vitest";
import { ActionKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { actionsDue } from "./responses.js";
import { castRateFinding, castWhileDefeatedFinding, distinguishableAddress, funnelFinding, giftOf, impossibleDamageFinding, maxDamageOf, sharedAddressFinding, speedFinding } from "./rules.js";
import { signalIdOf } from "./signal-id.js";

const t0 = new Date("2026-12-01T12:00:00Z");
const after = (ms: number) => new Date(t0.getTime() + ms);
const at = (x: number, zoneId = "ember_plains") => ({ zoneId, x, y: 0, z: 0 });
const limits = { maxSpeed: 15, minMoveIntervalMs: 100 };
const fireball = { cooldownMs: 2_000, baseDamage: 30 };

describe("the speed rule", () => {
  it("lets a walk through and catches a teleport across the zone", () => {
    const previous = { ...at(0), at: t0 };
    expect(speedFinding(previous, at(0), at(10), after(1_000), limits)).toBeUndefined();
    expect(speedFinding(previous, at(0), at(400), after(1_000), limits)?.evidence).toMatch(/moved 400\.0 in 1\.00 s/);
  });

  it("measures nothing on a character's first move or across zones", () => {
    expect(speedFinding(undefined, at(0), at(400), t0, limits)).toBeUndefined();
    expect(speedFinding({ ...at(0), at: t0 }, at(0), at(400, "frost_peaks"), after(10), limits)).toBeUndefined();
  });

  it("measures two moves in one instant over the shortest interval", () => {
    expect(speedFinding({ ...at(0), at: t0 }, at(0), at(1), t0, limits)).toBeUndefined();
    expect(speedFinding({ ...at(0), at: t0 }, at(0), at(2), t0, limits)).toBeDefined();
  });
});

describe("the cast rules", () => {
  it("flag a recast inside the cooldown, less the tolerance", () => {
    expect(castRateFinding("fireball", fireball, t0, after(1_900), 0.1)).toBeUndefined();
    expect(castRateFinding("fireball", fireball, t0, after(500), 0.1)?.evidence).toBe("cast fireball 500 ms after the previous one; cooldown 2000 ms");
    expect(castRateFinding("arcane_bolt", { cooldownMs: 0, baseDamage: 12 }, t0, t0, 0.1)).toBeUndefined();
    expect(castRateFinding("unknown", undefined, t0, t0, 0.1)).toBeUndefined();
  });

  it("flag a cast by a character defeated and not brought back, after the grace", () => {
    expect(castWhileDefeatedFinding({ defeatedAt: t0, revivedAt: undefined }, after(5_000), 1_000)).toBeDefined();
    expect(castWhileDefeatedFinding({ defeatedAt: t0, revivedAt: undefined }, after(500), 1_000)).toBeUndefined();
    expect(castWhileDefeatedFinding({ defeatedAt: t0, revivedAt: after(2_000) }, after(5_000), 1_000)).toBeUndefined();
    expect(castWhileDefeatedFinding(undefined, t0, 1_000)).toBeUndefined();
  });

  it("flag a hit above what the spell can do at the highest power", () => {
    expect(maxDamageOf(fireball, 100)).toBe(180);
    expect(impossibleDamageFinding("fireball", fireball, 180, 100)).toBeUndefined();
    expect(impossibleDamageFinding("fireball", fireball, 9_999, 100)?.evidence).toBe("fireball hit for 9999; at most 180 is possible");
  });
});

describe("the economy and login rules", () => {
  it("see a gift only when one side gives gold and gets nothing back", () => {
    const giver = { playerId: "g", gold: 500n, items: 0 };
    expect(giftOf(giver, { playerId: "r", gold: 0n, items: 0 }, 100n)).toEqual({ giverPlayerId: "g", receiverPlayerId: "r", gold: 500n });
    expect(giftOf({ playerId: "r", gold: 0n, items: 0 }, giver, 100n)?.receiverPlayerId).toBe("r");
    expect(giftOf(giver, { playerId: "r", gold: 0n, items: 1 }, 100n)).toBeUndefined();
    expect(giftOf({ ...giver, gold: 50n }, { playerId: "r", gold: 0n, items: 0 }, 100n)).toBeUndefined();
  });

  it("call many distinct givers a funnel", () => {
    expect(funnelFinding(3, 1_500n, 4, 86_400_000)).toBeUndefined();
    expect(funnelFinding(4, 2_000n, 4, 86_400_000)?.evidence).toBe("received 2000 gold for nothing from 4 players within 24.0 h");
  });

  it("count only addresses that tell players apart", () => {
    expect(distinguishableAddress("")).toBe(false);
    expect(distinguishableAddress("127.0.0.1")).toBe(false);
    expect(distinguishableAddress("::1")).toBe(false);
    expect(sharedAddressFinding("203.0.113.7", 10, 10)?.evidence).toBe("10 accounts logged in from 203.0.113.7");
    expect(sharedAddressFinding("127.0.0.1", 50, 10)).toBeUndefined();
  });
});

describe("the graduated response", () => {
  const thresholds = { review: 20, tradeRestriction: 40, suspension: 70, ban: 110 };
  it("applies every step the score reached that is not in force", () => {
    expect(actionsDue(10, thresholds, new Set())).toEqual([]);
    expect(actionsDue(45, thresholds, new Set())).toEqual([ActionKind.FLAG, ActionKind.TRADE_RESTRICTION]);
    expect(actionsDue(75, thresholds, new Set([ActionKind.FLAG, ActionKind.TRADE_RESTRICTION]))).toEqual([ActionKind.SUSPENSION]);
  });

  it("skips a suspension under a ban", () => {
    expect(actionsDue(120, thresholds, new Set([ActionKind.FLAG]))).toEqual([ActionKind.TRADE_RESTRICTION, ActionKind.BAN]);
    expect(actionsDue(80, thresholds, new Set([ActionKind.FLAG, ActionKind.TRADE_RESTRICTION, ActionKind.BAN]))).toEqual([]);
  });
});

describe("signal ids", () => {
  it("are one UUID per source event and rule", () => {
    const id = signalIdOf("event-1", "speed");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(signalIdOf("event-1", "speed")).toBe(id);
    expect(signalIdOf("event-1", "cast_rate")).not.toBe(id);
  });
});
