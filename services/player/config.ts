/** The player service's settings, read from the environment at start-up. */
export interface PlayerConfig {
  /**
   * Seconds a defeated player character stays down before it is back at full
   * health (applied lazily, on the next read or write). CHAOS_PLAYER_RESPAWN_SECONDS, default 30.
   */
  readonly respawnSeconds: number;
  /** The same for training targets. CHAOS_PLAYER_TARGET_RESPAWN_SECONDS, default 10. */
  readonly targetRespawnSeconds: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadPlayerConfig(env: NodeJS.ProcessEnv = process.env): PlayerConfig {
  return {
    respawnSeconds: seconds(env, "CHAOS_PLAYER_RESPAWN_SECONDS", 30),
    targetRespawnSeconds: seconds(env, "CHAOS_PLAYER_TARGET_RESPAWN_SECONDS", 10),
  };
}

function seconds(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 86_400) throw new Error(`${variable} must be a number of seconds in [0, 86400], got "${raw}"`);
  return value;
}
