import { describe, expect, it } from "vitest";
import { loadWorldConfig } from "./config.js";

describe("world settings", () => {
  it("have documented defaults", () => {
    expect(loadWorldConfig({})).toMatchObject({
      tickMs: 5_000,
      rules: { gainPerMember: 10, maxGainPerTick: 30, contestedDecayPerMember: 5, absentDecay: 10 },
      maxStreamsPerPlayer: 3,
    });
  });

  it("stop start-up with a message naming the variable", () => {
    expect(() => loadWorldConfig({ CHAOS_WORLD_TICK_MS: "10" })).toThrow(/CHAOS_WORLD_TICK_MS/);
    expect(() => loadWorldConfig({ CHAOS_WORLD_GAIN_PER_MEMBER: "0" })).toThrow(/CHAOS_WORLD_GAIN_PER_MEMBER/);
  });
});
