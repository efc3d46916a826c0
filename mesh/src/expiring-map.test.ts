import { describe, expect, it } from "vitest";
import { ExpiringMap } from "./expiring-map.js";

describe("ExpiringMap", () => {
  it("answers until an entry expires, then forgets it", () => {
    const map = new ExpiringMap<string, number>(10);
    map.set("a", 1, 1_000);
    expect(map.get("a", 999)).toBe(1);
    expect(map.get("a", 1_000)).toBeUndefined();
    expect(map.get("a", 0)).toBeUndefined();
  });

  it("drops the oldest entry when full; setting a key again makes it the newest", () => {
    const map = new ExpiringMap<string, number>(2);
    map.set("a", 1, 10);
    map.set("b", 2, 10);
    map.set("a", 3, 10);
    map.set("c", 4, 10);
    expect([map.get("a", 0), map.get("b", 0), map.get("c", 0)]).toEqual([3, undefined, 4]);
  });
});
