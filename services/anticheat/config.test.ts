import { describe, expect, it } from "vitest";
import { SignalKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { loadAnticheatConfig } from "./config.js";

describe("anticheat settings", () => {
  it("default to the documented values, spells mirroring combat's catalogue", () => {
    const config = loadAnticheatConfig({});
    expect(config.halfLifeMs).toBe(72 * 3_600_000);
    expect(config.thresholds).toEqual({ review: 20, tradeRestriction: 40, suspension: 70, ban: 110 });
    expect(config.weights[SignalKind.SPEED]).toBe(12);
    expect(config.spells.get("fireball")).toEqual({ cooldownMs: 2_000, baseDamage: 30 });
  });

  it("read weights per kind and the spell list", () => {
    const config = loadAnticheatConfig({ CHAOS_ANTICHEAT_WEIGHT_GOLD_FUNNEL: "33.5", CHAOS_ANTICHEAT_SPELLS: "frostbolt:1500:20" });
    expect(config.weights[SignalKind.GOLD_FUNNEL]).toBe(33.5);
    expect([...config.spells]).toEqual([["frostbolt", { cooldownMs: 1_500, baseDamage: 20 }]]);
  });

  it("stop on a bad value, naming the variable", () => {
    expect(() => loadAnticheatConfig({ CHAOS_ANTICHEAT_HALF_LIFE_HOURS: "soon" })).toThrow(/CHAOS_ANTICHEAT_HALF_LIFE_HOURS/);
    expect(() => loadAnticheatConfig({ CHAOS_ANTICHEAT_SPELLS: "fireball=2000" })).toThrow(/CHAOS_ANTICHEAT_SPELLS/);
    expect(() => loadAnticheatConfig({ CHAOS_ANTICHEAT_BAN_AT: "30" })).toThrow(/_BAN_AT/);
  });
});
