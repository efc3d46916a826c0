import { numberSetting } from "@chaos/mesh/server";

/** The combat service's settings, read from the environment at start-up. */
export interface CombatConfig {
  /**
   * Mana a character regains per second, up to its maximum (applied lazily
   * in Redis, from Redis's clock). CHAOS_COMBAT_MANA_REGEN_PER_SECOND, default 2; 0 turns regeneration off.
   */
  readonly manaRegenPerSecond: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadCombatConfig(env: NodeJS.ProcessEnv = process.env): CombatConfig {
  return { manaRegenPerSecond: numberSetting(env, "CHAOS_COMBAT_MANA_REGEN_PER_SECOND", 2, 0, 10_000) };
}
