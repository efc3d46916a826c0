import { describe, expect, it } from "vitest";
import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { CharacterRecord } from "./character.js";
import { asOf } from "./respawn.js";

const defeatedAt = new Date("2026-05-01T12:00:00Z");
const mage: CharacterRecord = {
  characterId: "c-1",
  playerId: "p-1",
  name: "Merlin",
  characterClass: CharacterClass.MAGE,
  kind: CharacterKind.PLAYER,
  level: 3,
  health: 0,
  position: { zoneId: "ember_plains", x: 1, y: 2, z: 0 },
  defeatedAt,
  createdAt: new Date("2026-04-01T00:00:00Z"),
};
const delays = { playerSeconds: 30, targetSeconds: 10 };
const later = (seconds: number) => new Date(defeatedAt.getTime() + seconds * 1000);

describe("lazy respawn", () => {
  it("keeps a defeated character down until its delay has passed", () => {
    expect(asOf(mage, later(29.999), delays)).toEqual({ character: mage, respawnedAt: undefined });
  });

  it("brings it back at full health for its level once the delay has passed, saying when", () => {
    const { character, respawnedAt } = asOf(mage, later(31), delays);
    expect(character).toMatchObject({ health: 120, defeatedAt: undefined, position: mage.position });
    expect(respawnedAt).toEqual(later(30));
  });

  it("uses the training-target delay for training targets", () => {
    const dummy = { ...mage, kind: CharacterKind.TRAINING_TARGET, characterClass: CharacterClass.UNSPECIFIED, level: 1 };
    expect(asOf(dummy, later(10), delays).character.health).toBe(120);
    expect(asOf(dummy, later(9), delays).character.health).toBe(0);
  });

  it("leaves living characters alone", () => {
    const alive = { ...mage, health: 50, defeatedAt: undefined };
    expect(asOf(alive, later(1000), delays).character).toBe(alive);
  });
});
