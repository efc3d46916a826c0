import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";

/** Display names of the playable classes, in the order the create form offers them. */
export const characterClasses: ReadonlyArray<readonly [CharacterClass, string]> = [
  [CharacterClass.MAGE, "Mage"],
  [CharacterClass.WARRIOR, "Warrior"],
  [CharacterClass.ROGUE, "Rogue"],
  [CharacterClass.CLERIC, "Cleric"],
];

/** The display name of a class. */
export function className(characterClass: CharacterClass): string {
  return characterClasses.find(([value]) => value === characterClass)?.[1] ?? "Adventurer";
}
