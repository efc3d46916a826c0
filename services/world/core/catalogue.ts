import type { BoundsRecord } from "./world-records.js";

/**
 * The world's zones and territories as designers declare them (catalogue.json,
 * or the file CHAOS_WORLD_CATALOGUE names). At start-up the store adds what
 * is new and updates names, levels and bounds of what exists; what is kept
 * at run time (open or closed, who holds a territory) is never reset by it,
 * and nothing is deleted: a territory dropped from the file keeps its
 * history. Zone ids are those player and chat use.
 */
export interface Catalogue {
  readonly zones: readonly CatalogueZone[];
}

export interface CatalogueZone {
  readonly zoneId: string;
  readonly name: string;
  readonly bounds: BoundsRecord;
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly pvp: boolean;
  readonly territories: readonly CatalogueTerritory[];
}

export interface CatalogueTerritory {
  readonly territoryId: string;
  readonly name: string;
  readonly bounds: BoundsRecord;
}

/** The contract's id pattern for zones and territories. */
const idPattern = /^[a-z][a-z0-9_]{0,63}$/;

/** Checks a parsed catalogue file; a mistake stops start-up with a message naming the entry. */
export function parseCatalogue(raw: unknown, origin: string): Catalogue {
  const fail = (what: string): never => {
    throw new Error(`world catalogue ${origin}: ${what}`);
  };
  const zones = (raw as { zones?: unknown } | null)?.zones;
  if (!Array.isArray(zones) || zones.length === 0) fail("needs a non-empty \"zones\" list");
  const ids = new Set<string>();
  const id = (value: unknown, what: string): string => {
    if (typeof value !== "string" || !idPattern.test(value)) fail(`${what} id ${JSON.stringify(value)} must match ${idPattern}`);
    if (ids.has(value as string)) fail(`id "${value as string}" is used twice`);
    ids.add(value as string);
    return value as string;
  };
  const text = (value: unknown, what: string): string => (typeof value === "string" && value.trim() !== "" ? value : fail(`${what} needs a name`));
  const bounds = (value: unknown, what: string): BoundsRecord => {
    const b = value as Partial<Record<keyof BoundsRecord, unknown>> | null;
    const n = (k: keyof BoundsRecord) => (typeof b?.[k] === "number" && Number.isFinite(b[k]) ? (b[k] as number) : fail(`${what}: bounds.${k} must be a number`));
    const box = { minX: n("minX"), minY: n("minY"), maxX: n("maxX"), maxY: n("maxY") };
    if (box.minX >= box.maxX || box.minY >= box.maxY) fail(`${what}: bounds must have min < max`);
    return box;
  };
  const level = (value: unknown, what: string): number => (Number.isInteger(value) && (value as number) >= 1 ? (value as number) : fail(`${what} must be a whole number >= 1`));
  return {
    zones: (zones as unknown[]).map((z): CatalogueZone => {
      const zone = z as Record<string, unknown>;
      const zoneId = id(zone.zoneId, "zone");
      const zoneBounds = bounds(zone.bounds, zoneId);
      const minLevel = level(zone.minLevel, `${zoneId}: minLevel`);
      const maxLevel = level(zone.maxLevel, `${zoneId}: maxLevel`);
      if (maxLevel < minLevel) fail(`${zoneId}: maxLevel is below minLevel`);
      if (!Array.isArray(zone.territories)) fail(`${zoneId}: needs a "territories" list`);
      const territories = (zone.territories as unknown[]).map((t): CatalogueTerritory => {
        const territory = t as Record<string, unknown>;
        const territoryId = id(territory.territoryId, "territory");
        const box = bounds(territory.bounds, territoryId);
        if (box.minX < zoneBounds.minX || box.minY < zoneBounds.minY || box.maxX > zoneBounds.maxX || box.maxY > zoneBounds.maxY) {
          fail(`${territoryId}: bounds reach outside zone ${zoneId}`);
        }
        return { territoryId, name: text(territory.name, territoryId), bounds: box };
      });
      // Overlapping territories would count one character in two contests at once.
      for (const [i, a] of territories.entries()) {
        for (const b of territories.slice(i + 1)) {
          if (a.bounds.minX < b.bounds.maxX && b.bounds.minX < a.bounds.maxX && a.bounds.minY < b.bounds.maxY && b.bounds.minY < a.bounds.maxY) {
            fail(`territories ${a.territoryId} and ${b.territoryId} overlap`);
          }
        }
      }
      return { zoneId, name: text(zone.name, zoneId), bounds: zoneBounds, minLevel, maxLevel, pvp: zone.pvp === true, territories };
    }),
  };
}
