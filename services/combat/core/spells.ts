import { create } from "@bufbuild/protobuf";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { School, SpellSchema, type Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";

/**
 * The spells of this slice. Every class knows all of them. They live in code,
 * not in the database: a definition changes with a deploy, and the unit test
 * holds each one to the Spell message's own validation rules.
 */
export const spells: readonly Spell[] = [
  create(SpellSchema, {
    spellId: "fireball",
    displayName: "Fireball",
    school: School.FIRE,
    manaCost: 25,
    cooldown: durationFromMs(2_000),
    maxRange: 30,
    baseDamage: 30,
  }),
  create(SpellSchema, {
    spellId: "arcane_bolt",
    displayName: "Arcane Bolt",
    school: School.ARCANE,
    manaCost: 30,
    cooldown: durationFromMs(0),
    maxRange: 30,
    baseDamage: 12,
  }),
];

const byId = new Map(spells.map((spell) => [spell.spellId, spell]));

export function findSpell(spellId: string): Spell | undefined {
  return byId.get(spellId);
}

export function cooldownMsOf(spell: Spell): number {
  return spell.cooldown === undefined ? 0 : durationMs(spell.cooldown);
}
