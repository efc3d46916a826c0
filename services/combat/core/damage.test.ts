import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StatsSchema } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { damageOf } from "./damage.js";
import { findSpell } from "./spells.js";

const fireball = findSpell("fireball")!;
const arcaneBolt = findSpell("arcane_bolt")!;
const noResistance = create(StatsSchema, {});

describe("damage = round(base × (1 + power/20) × (1 − resistance/100))", () => {
  it("scales with the caster's power", () => {
    expect(damageOf(fireball, 14, noResistance)).toBe(51); // 30 × 1.7
    expect(damageOf(arcaneBolt, 14, noResistance)).toBe(20); // 12 × 1.7 = 20.4
    expect(damageOf(fireball, 0, noResistance)).toBe(30);
  });

  it("applies the resistance of the spell's school only", () => {
    const target = create(StatsSchema, { fireResistance: 10, arcaneResistance: 20 });
    expect(damageOf(fireball, 14, target)).toBe(46); // 51 × 0.9 = 45.9
    expect(damageOf(arcaneBolt, 14, target)).toBe(16); // 20.4 × 0.8 = 16.32
  });

  it("rounds halves up and caps resistance at 90 %", () => {
    expect(damageOf(fireball, 1, noResistance)).toBe(32); // 31.5
    expect(damageOf(arcaneBolt, 10, create(StatsSchema, { arcaneResistance: 75 }))).toBe(5); // 18 × 0.25 = 4.5
    expect(damageOf(fireball, 0, create(StatsSchema, { fireResistance: 100 }))).toBe(3); // 30 × 0.1
  });
});
