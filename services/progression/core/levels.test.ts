import { describe, expect, it } from "vitest";
import { experienceForLevel, experienceToNextLevel, levelFor, maxLevel } from "./levels.js";

describe("levels", () => {
  it("follows 100·L·(L−1)/2: level 2 at 100, 3 at 300, 4 at 600", () => {
    expect([1, 2, 3, 4, 5].map(experienceForLevel)).toEqual([0, 100, 300, 600, 1000]);
    expect([0, 99, 100, 299, 300, 599, 600, 999, 1000].map(levelFor)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5]);
  });

  it("says how much is left to the next level, and stops at the highest level", () => {
    expect(experienceToNextLevel(0)).toBe(100);
    expect(experienceToNextLevel(150)).toBe(150);
    expect(levelFor(experienceForLevel(maxLevel) * 10)).toBe(maxLevel);
    expect(experienceToNextLevel(experienceForLevel(maxLevel))).toBe(0);
  });

  it("is exact at every level boundary", () => {
    for (let level = 1; level <= maxLevel; level++) {
      expect(levelFor(experienceForLevel(level))).toBe(level);
      if (level > 1) expect(levelFor(experienceForLevel(level) - 1)).toBe(level - 1);
    }
  });
});
