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
  const variable = "CHAOS_COMBAT_MANA_REGEN_PER_SECOND";
  const raw = env[variable];
  if (raw === undefined || raw === "") return { manaRegenPerSecond: 2 };
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 10_000) throw new Error(`${variable} must be a number in [0, 10000], got "${raw}"`);
  return { manaRegenPerSecond: value };
}
