import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";

/** A character's combat numbers at its level (mana here is the maximum: combat owns current mana). */
export interface CombatStats {
  readonly maxHealth: number;
  readonly maxMana: number;
  readonly power: number;
  readonly fireResistance: number;
  readonly frostResistance: number;
  readonly arcaneResistance: number;
}

/** Level 1 stats of each class (the balance agreed for this slice). */
const classBase: Readonly<Record<Exclude<CharacterClass, CharacterClass.UNSPECIFIED>, CombatStats>> = {
  [CharacterClass.MAGE]: { maxHealth: 100, maxMana: 120, power: 14, fireResistance: 10, frostResistance: 10, arcaneResistance: 15 },
  [CharacterClass.WARRIOR]: { maxHealth: 150, maxMana: 40, power: 10, fireResistance: 5, frostResistance: 5, arcaneResistance: 0 },
  [CharacterClass.ROGUE]: { maxHealth: 120, maxMana: 60, power: 12, fireResistance: 5, frostResistance: 10, arcaneResistance: 5 },
  [CharacterClass.CLERIC]: { maxHealth: 120, maxMana: 100, power: 10, fireResistance: 10, frostResistance: 5, arcaneResistance: 20 },
};

/** Training targets: something to hit, hitting nothing back. */
const trainingTargetBase: CombatStats = { maxHealth: 120, maxMana: 0, power: 0, fireResistance: 0, frostResistance: 0, arcaneResistance: 0 };

/** What each level above the first adds. */
const perLevel = { maxHealth: 10, power: 1 };

/** The stats of a character of `kind` and `characterClass` at `level`. */
export function statsAt(character: { kind: CharacterKind; characterClass: CharacterClass; level: number }): CombatStats {
  const base =
    character.kind === CharacterKind.TRAINING_TARGET || character.characterClass === CharacterClass.UNSPECIFIED
      ? trainingTargetBase
      : classBase[character.characterClass];
  const gained = character.level - 1;
  return { ...base, maxHealth: base.maxHealth + perLevel.maxHealth * gained, power: base.power + perLevel.power * gained };
}
