import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CharacterDefeatedSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/liveops/v1/errors_pb.js";
import { GoalKind } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TerritoryCapturedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { goalSources } from "./goal-sources.js";
import { countsToward, creditsGoal, validateGoal } from "./goals.js";

const at = (iso: string) => new Date(iso);
const window = { startsAt: at("2026-03-06T20:00:00Z"), endsAt: at("2026-03-06T22:00:00Z") };
const source = (kind: GoalKind) => goalSources.find((s) => s.kind === kind)!;

describe("the window rule (the source event's own time decides)", () => {
  const joined = at("2026-03-06T20:30:00Z");
  it("counts from the join on, up to but not including the end", () => {
    expect(countsToward(window, joined, undefined, at("2026-03-06T20:29:59.999Z"))).toBe(false);
    expect(countsToward(window, joined, undefined, joined)).toBe(true);
    expect(countsToward(window, joined, undefined, at("2026-03-06T21:59:59.999Z"))).toBe(true);
    expect(countsToward(window, joined, undefined, at("2026-03-06T22:00:00Z"))).toBe(false);
  });
  it("counts nothing at or after a cancellation", () => {
    const cancelled = at("2026-03-06T21:00:00Z");
    expect(countsToward(window, joined, cancelled, at("2026-03-06T20:59:59Z"))).toBe(true);
    expect(countsToward(window, joined, cancelled, cancelled)).toBe(false);
  });
});

describe("goals", () => {
  it("a school narrows only cast goals", () => {
    expect(() => validateGoal({ kind: GoalKind.SPELL_CASTS, school: School.FIRE })).not.toThrow();
    expect(() => validateGoal({ kind: GoalKind.DEFEATS, school: School.FIRE })).toThrow(expect.objectContaining({ reason: ErrorReason.INVALID_GOAL }));
    expect(creditsGoal({ kind: GoalKind.SPELL_CASTS, school: School.FIRE }, { characterId: "c", amount: 1n, school: School.ARCANE })).toBe(false);
    expect(creditsGoal({ kind: GoalKind.SPELL_CASTS, school: School.FIRE }, { characterId: "c", amount: 1n, school: School.FIRE })).toBe(true);
    expect(creditsGoal({ kind: GoalKind.SPELL_CASTS, school: School.UNSPECIFIED }, { characterId: "c", amount: 1n, school: School.ARCANE })).toBe(true);
  });

  it("the table credits the victor of a defeat, the caster with the spell's school, both parties of a trade", () => {
    expect(source(GoalKind.DEFEATS).credits(create(CharacterDefeatedSchema, { victorCharacterId: "v", defeatedId: "d" }))).toEqual([{ characterId: "v", amount: 1n }]);
    expect(source(GoalKind.SPELL_CASTS).credits(create(SpellCastSchema, { casterCharacterId: "c", school: School.FROST }))).toEqual([{ characterId: "c", amount: 1n, school: School.FROST }]);
    expect(
      source(GoalKind.TRADES_SETTLED).credits(create(TradeSettledSchema, { trade: { proposer: { characterId: "p" }, counterparty: { characterId: "q" } } })),
    ).toEqual([
      { characterId: "p", amount: 1n },
      { characterId: "q", amount: 1n },
    ]);
  });

  it("a territory capture credits the capturing guild's members", () => {
    expect(source(GoalKind.TERRITORY_CAPTURES).credits(create(TerritoryCapturedSchema, { territoryId: "t", guildId: "g", previousGuildId: "h" }))).toEqual([{ guildId: "g", amount: 1n }]);
  });

  it("every goal kind has exactly one line", () => {
    const kinds = Object.values(GoalKind).filter((k): k is GoalKind => typeof k === "number" && k !== GoalKind.UNSPECIFIED);
    expect(goalSources.map((s) => s.kind).sort()).toEqual(kinds.sort());
  });
});
