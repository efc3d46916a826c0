import { numberSetting } from "@chaos/mesh/server";

/** The combat service's settings, read from the environment at start-up. */
export interface CombatConfig {
  /**
   * Mana a character regains per second, up to its maximum (applied lazily
   * in Redis, from Redis's clock). CHAOS_COMBAT_MANA_REGEN_PER_SECOND, default 2; 0 turns regeneration off.
   */
  readonly manaRegenPerSecond: number;
  /**
   * How long a cast whose hit's outcome is not known yet (its answer lost to a
   * deadline, a cancelled call, a crash) is left to its own call before combat
   * asks player again, and then between tries. Longer than the mesh's longest
   * call, so a slow first try is rarely doubled (a doubled try is harmless:
   * player applies a cast id once). CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS, default 15000.
   */
  readonly pendingCastRedriveMs: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadCombatConfig(env: NodeJS.ProcessEnv = process.env): CombatConfig {
  return {
    manaRegenPerSecond: numberSetting(env, "CHAOS_COMBAT_MANA_REGEN_PER_SECOND", 2, 0, 10_000),
    pendingCastRedriveMs: numberSetting(env, "CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS", 15_000, 100, 3_600_000),
  };
}
