import { describe, expect, it } from "vitest";
import { SignalKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { loadAnticheatConfig } from "./config.js";

describe("anticheat settings", () => {
  it("default to the documented values", () => {
    const config = loadAnticheatConfig({});
    expect(config.halfLifeMs).toBe(72 * 3_600_000);
    expect(config.thresholds).toEqual({ review: 20, tradeRestriction: 40, suspension: 70, ban: 110 });
    expect(config.weights[SignalKind.SPEED]).toBe(12);
  });

  it("read weights per kind", () => {
    const config = loadAnticheatConfig({ CHAOS_ANTICHEAT_WEIGHT_GOLD_FUNNEL: "33.5" });
    expect(config.weights[SignalKind.GOLD_FUNNEL]).toBe(33.5);
  });

  it("stop on a bad value, naming the variable", () => {
    expect(() => loadAnticheatConfig({ CHAOS_ANTICHEAT_HALF_LIFE_HOURS: "soon" })).toThrow(/CHAOS_ANTICHEAT_HALF_LIFE_HOURS/);
    expect(() => loadAnticheatConfig({ CHAOS_ANTICHEAT_BAN_AT: "30" })).toThrow(/_BAN_AT/);
  });
});
