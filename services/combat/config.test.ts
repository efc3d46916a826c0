import { describe, expect, it } from "vitest";
import { loadCombatConfig } from "./config.js";

describe("combat settings", () => {
  it("regenerate 2 mana a second by default", () => {
    expect(loadCombatConfig({})).toEqual({ manaRegenPerSecond: 2 });
    expect(loadCombatConfig({ CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "0" })).toEqual({ manaRegenPerSecond: 0 });
  });

  it("stop start-up on a bad value, naming the variable", () => {
    for (const bad of ["fast", "-1", "Infinity"]) {
      expect(() => loadCombatConfig({ CHAOS_COMBAT_MANA_REGEN_PER_SECOND: bad })).toThrow(/CHAOS_COMBAT_MANA_REGEN_PER_SECOND/);
    }
  });
});
