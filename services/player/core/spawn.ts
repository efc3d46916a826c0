import type { WorldPosition } from "./character.js";

/** The starting zone every new character appears in. */
export const startingZoneId = "ember_plains";

/**
 * The middle of the three training targets the first migration seeds at
 * (100,100), (106,100) and (100,106); spawning within `spawnRadius` of it
 * keeps every new character under 11 units from each target, well inside
 * the 20 agreed and any spell's range.
 */
const spawnCenter = { x: 102, y: 102 };
const spawnRadius = 6;

/** A spawn point near the training targets, spread out so new characters do not stand on each other. */
export function spawnPosition(random: () => number = Math.random): WorldPosition {
  const angle = random() * 2 * Math.PI;
  const distance = spawnRadius * Math.sqrt(random());
  const round = (value: number) => Math.round(value * 100) / 100;
  return { zoneId: startingZoneId, x: round(spawnCenter.x + distance * Math.cos(angle)), y: round(spawnCenter.y + distance * Math.sin(angle)), z: 0 };
}
