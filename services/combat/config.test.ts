import { describe, expect, it } from "vitest";
import { loadCombatConfig } from "./config.js";

describe("combat settings", () => {
  it("regenerate 2 mana a second by default", () => {
    expect(loadCombatConfig({})).toEqual({ manaRegenPerSecond: 2, pendingCastRedriveMs: 15_000 });
    expect(loadCombatConfig({ CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "0" })).toMatchObject({ manaRegenPerSecond: 0 });
  });

  it("stop start-up on a bad value, naming the variable", () => {
    for (const bad of ["fast", "-1", "Infinity"]) {
      expect(() => loadCombatConfig({ CHAOS_COMBAT_MANA_REGEN_PER_SECOND: bad })).toThrow(/CHAOS_COMBAT_MANA_REGEN_PER_SECOND/);
    }
    // A re-drive sooner than a call could answer would double most slow casts' hits on player.
    expect(() => loadCombatConfig({ CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS: "10" })).toThrow(/CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS/);
  });
});
