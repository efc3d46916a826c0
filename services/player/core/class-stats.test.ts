import { describe, expect, it } from "vitest";
import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { statsAt } from "./class-stats.js";

describe("class stats", () => {
  it("follow the agreed class table and grow per level", () => {
    expect(statsAt({ kind: CharacterKind.PLAYER, characterClass: CharacterClass.MAGE, level: 1 })).toMatchObject({ maxHealth: 100, maxMana: 120, power: 14 });
    expect(statsAt({ kind: CharacterKind.PLAYER, characterClass: CharacterClass.WARRIOR, level: 1 })).toMatchObject({ maxHealth: 150, maxMana: 40, power: 10 });
    expect(statsAt({ kind: CharacterKind.PLAYER, characterClass: CharacterClass.ROGUE, level: 1 })).toMatchObject({ maxHealth: 120, maxMana: 60, power: 12 });
    expect(statsAt({ kind: CharacterKind.PLAYER, characterClass: CharacterClass.CLERIC, level: 1 })).toMatchObject({ maxHealth: 120, maxMana: 100, power: 10 });
    expect(statsAt({ kind: CharacterKind.PLAYER, characterClass: CharacterClass.MAGE, level: 5 })).toMatchObject({ maxHealth: 140, maxMana: 120, power: 18 });
    expect(statsAt({ kind: CharacterKind.TRAINING_TARGET, characterClass: CharacterClass.UNSPECIFIED, level: 1 })).toMatchObject({ maxHealth: 120, maxMana: 0, power: 0 });
  });
});
