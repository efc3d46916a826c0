import type { Stats } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { School, type Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";

/** Resistances are percentages; the contract caps them at 90 so nothing is immune. */
const maxResistance = 90;

/** The target's resistance to a school; schools without a resistance stat get none. */
export function resistanceTo(school: School, target: Stats): number {
  const raw = school === School.FIRE ? target.fireResistance : school === School.FROST ? target.frostResistance : school === School.ARCANE ? target.arcaneResistance : 0;
  return Math.min(maxResistance, Math.max(0, raw));
}

/**
 * Damage = round(base × (1 + power/20) × (1 − resistance/100)), computed as
 * one integer fraction so that results on .5 round the same everywhere.
 */
export function damageOf(spell: Spell, casterPower: number, target: Stats): number {
  const resistance = resistanceTo(spell.school, target);
  return Math.round((spell.baseDamage * (20 + casterPower) * (100 - resistance)) / 2000);
}
