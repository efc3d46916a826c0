import { numberSetting } from "@chaos/mesh/server";

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
    respawnSeconds: numberSetting(env, "CHAOS_PLAYER_RESPAWN_SECONDS", 30, 0, 86_400),
    targetRespawnSeconds: numberSetting(env, "CHAOS_PLAYER_TARGET_RESPAWN_SECONDS", 10, 0, 86_400),
  };
}
