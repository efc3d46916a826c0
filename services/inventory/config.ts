import { integerSetting } from "@chaos/mesh/server";

/** The inventory service's settings, read from the environment at start-up. */
export interface InventoryConfig {
  /** Gold every new character gets from the mint. CHAOS_INVENTORY_STARTER_GOLD, default 100. */
  readonly starterGold: bigint;
  /** Potions of mana every new character gets. CHAOS_INVENTORY_STARTER_MANA_POTIONS, default 3. */
  readonly starterManaPotions: bigint;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadInventoryConfig(env: NodeJS.ProcessEnv = process.env): InventoryConfig {
  return {
    starterGold: BigInt(integerSetting(env, "CHAOS_INVENTORY_STARTER_GOLD", 100, 0, 1_000_000_000)),
    starterManaPotions: BigInt(integerSetting(env, "CHAOS_INVENTORY_STARTER_MANA_POTIONS", 3, 0, 1_000)),
  };
}
