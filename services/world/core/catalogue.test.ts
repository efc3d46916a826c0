import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCatalogue } from "./catalogue.js";

const zone = (territories: unknown[]) => ({
  zones: [{ zoneId: "ember_plains", name: "Ember Plains", bounds: { minX: 0, minY: 0, maxX: 100, maxY: 100 }, minLevel: 1, maxLevel: 10, territories }],
});
const territory = (territoryId: string, minX: number, maxX: number) => ({ territoryId, name: territoryId, bounds: { minX, minY: 0, maxX, maxY: 10 } });

describe("the world catalogue", () => {
  it("shipped with the service is valid and names the zones player and chat use", () => {
    const shipped = parseCatalogue(JSON.parse(fs.readFileSync(new URL("../catalogue.json", import.meta.url), "utf8")), "catalogue.json");
    expect(shipped.zones.map((z) => z.zoneId)).toEqual(["ember_plains", "frost_hollow"]);
    expect(shipped.zones.every((z) => z.territories.length >= 3)).toBe(true);
  });

  it("accepts territories that only touch", () => {
    expect(parseCatalogue(zone([territory("a", 0, 10), territory("b", 10, 20)]), "test").zones[0]!.territories).toHaveLength(2);
  });

  it("refuses overlapping territories, ones outside their zone, and ids used twice", () => {
    expect(() => parseCatalogue(zone([territory("a", 0, 10), territory("b", 9, 20)]), "test")).toThrow(/a and b overlap/);
    expect(() => parseCatalogue(zone([territory("a", 90, 110)]), "test")).toThrow(/a: bounds reach outside zone ember_plains/);
    expect(() => parseCatalogue(zone([territory("a", 0, 10), territory("a", 20, 30)]), "test")).toThrow(/"a" is used twice/);
    expect(() => parseCatalogue(zone([territory("Bad Id", 0, 10)]), "test")).toThrow(/territory id "Bad Id"/);
  });
});
