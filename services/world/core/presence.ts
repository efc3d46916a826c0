import type { BoundsRecord, MemberPosition, TerritoryRecord } from "./world-records.js";

/**
 * Presence rule: a guild member stands in a territory when its last known
 * position (player's CharacterCreated, then each CharacterMoved) is in the
 * territory's zone and inside its bounds, min inclusive and max exclusive, so
 * two territories that touch never both count a character. A character with
 * no known position, a deleted one, or one in no guild counts nowhere (the
 * store hands over only living guild members with a position). World does
 * not guess where a character went between moves: the last report counts.
 */
export function inside(bounds: BoundsRecord, x: number, y: number): boolean {
  return x >= bounds.minX && x < bounds.maxX && y >= bounds.minY && y < bounds.maxY;
}

/** Per guild, how many of its members stand in the territory. */
export function presenceIn(territory: Pick<TerritoryRecord, "zoneId" | "bounds">, members: readonly MemberPosition[]): Map<string, number> {
  const present = new Map<string, number>();
  for (const m of members) {
    if (m.zoneId === territory.zoneId && inside(territory.bounds, m.x, m.y)) present.set(m.guildId, (present.get(m.guildId) ?? 0) + 1);
  }
  return present;
}

/** Presence as listed to clients: most members first, then by guild id (a stable order). */
export function presenceList(present: ReadonlyMap<string, number>): { guildId: string; membersPresent: number }[] {
  return [...present]
    .map(([guildId, membersPresent]) => ({ guildId, membersPresent }))
    .sort((a, b) => b.membersPresent - a.membersPresent || a.guildId.localeCompare(b.guildId));
}
