import { createValidator } from "@bufbuild/protovalidate";
import { describe, expect, it } from "vitest";
import { SpellSchema } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { cooldownMsOf, findSpell, spells } from "./spells.js";

describe("spell definitions", () => {
  const validator = createValidator();

  it.each(spells.map((spell) => [spell.spellId, spell] as const))("%s satisfies the Spell message's validation rules", (_id, spell) => {
    const result = validator.validate(SpellSchema, spell);
    expect(result.kind === "invalid" ? result.violations.map((v) => v.message) : result.kind).toBe("valid");
  });

  it("has unique ids", () => {
    expect(new Set(spells.map((s) => s.spellId)).size).toBe(spells.length);
  });

  it("holds the agreed numbers of this slice", () => {
    expect(findSpell("fireball")).toMatchObject({ manaCost: 25, maxRange: 30, baseDamage: 30 });
    expect(cooldownMsOf(findSpell("fireball")!)).toBe(2_000);
    expect(findSpell("arcane_bolt")).toMatchObject({ manaCost: 30, maxRange: 30, baseDamage: 12 });
    expect(cooldownMsOf(findSpell("arcane_bolt")!)).toBe(0);
    expect(findSpell("frostbolt")).toBeUndefined();
  });

  it("a rule breach is caught (the check can fail)", () => {
    const broken = { ...findSpell("fireball")!, spellId: "Fire Ball", manaCost: -1 };
    const result = validator.validate(SpellSchema, broken);
    expect(result.kind).toBe("invalid");
  });
});
