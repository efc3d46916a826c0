import { describe, expect, it } from "vitest";
import { advanceContest, type ContestRules } from "./contest.js";
import type { Contender } from "./world-records.js";

const rules: ContestRules = { gainPerMember: 10, maxGainPerTick: 30, contestedDecayPerMember: 5, absentDecay: 10 };
const present = (entries: Record<string, number>) => new Map(Object.entries(entries));

/** Runs ticks with the same guilds present until the contest ends; returns every step. */
function run(presentGuilds: Record<string, number>, start: Contender[] = [], limit = 50) {
  const steps = [];
  let contenders = start;
  for (let i = 0; i < limit; i++) {
    const step = advanceContest(contenders, present(presentGuilds), rules);
    steps.push(step);
    if (step.outcome !== "running") return steps;
    contenders = [...step.contenders];
  }
  return steps;
}

describe("a contest tick", () => {
  it("moves a guild alone towards 100 by its members present, capped per tick", () => {
    expect(advanceContest([], present({ a: 2 }), rules)).toEqual({ outcome: "running", contenders: [{ guildId: "a", progress: 20 }] });
    expect(advanceContest([], present({ a: 9 }), rules).contenders).toEqual([{ guildId: "a", progress: 30 }]);
    const steps = run({ a: 3 });
    expect(steps.map((s) => s.contenders[0]!.progress)).toEqual([30, 60, 90, 100]);
    expect(steps.at(-1)).toMatchObject({ outcome: "won", winnerGuildId: "a" });
  });

  it("lets the guild with more members present win a contest of two, its lead decaying under pressure", () => {
    const steps = run({ a: 3, b: 1 });
    // First tick: no leader yet. Then a leads and loses 5 per member of b: +30 - 5.
    expect(steps.map((s) => s.contenders.map((c) => [c.guildId, c.progress]))).toEqual([
      [["a", 30], ["b", 10]],
      [["a", 55], ["b", 20]],
      [["a", 80], ["b", 30]],
      [["a", 100], ["b", 40]],
    ]);
    expect(steps.at(-1)).toMatchObject({ outcome: "won", winnerGuildId: "a" });
  });

  it("decays the leader by every opposing member, so a lead can be lost to a larger force", () => {
    const step = advanceContest([{ guildId: "a", progress: 50 }, { guildId: "b", progress: 10 }], present({ a: 1, b: 4 }), rules);
    // a: +10 - 5 x 4 = -10; b: +30 (capped).
    expect(step.contenders).toEqual([{ guildId: "b", progress: 40 }, { guildId: "a", progress: 40 }]);
  });

  it("handles three contenders at once", () => {
    const step = advanceContest([{ guildId: "a", progress: 60 }], present({ a: 2, b: 1, c: 1 }), rules);
    expect(step.contenders).toEqual([{ guildId: "a", progress: 70 }, { guildId: "b", progress: 10 }, { guildId: "c", progress: 10 }]);
  });

  it("decays a guild whose members left, drops it at 0, and ends a contest nobody stays in", () => {
    expect(advanceContest([{ guildId: "a", progress: 15 }, { guildId: "b", progress: 5 }], present({ b: 1 }), rules).contenders).toEqual([
      { guildId: "b", progress: 15 },
      { guildId: "a", progress: 5 },
    ]);
    expect(advanceContest([{ guildId: "a", progress: 5 }], present({}), rules)).toEqual({ outcome: "abandoned", contenders: [] });
    expect(advanceContest([{ guildId: "a", progress: 25 }], present({}), rules)).toEqual({ outcome: "running", contenders: [{ guildId: "a", progress: 15 }] });
  });

  it("breaks a tie at 100 by progress, then members present, then guild id", () => {
    const both = [{ guildId: "b", progress: 90 }, { guildId: "a", progress: 90 }];
    expect(advanceContest(both, present({ a: 1, b: 2 }), rules)).toMatchObject({ outcome: "won", winnerGuildId: "b" });
    expect(advanceContest(both, present({ a: 2, b: 2 }), rules)).toMatchObject({ outcome: "won", winnerGuildId: "a" });
  });

  it("keeps progress within 0 and 100", () => {
    const step = advanceContest([{ guildId: "a", progress: 95 }, { guildId: "b", progress: 2 }], present({ a: 3, b: 3 }), rules);
    expect(step.contenders).toEqual([{ guildId: "a", progress: 100 }, { guildId: "b", progress: 32 }]);
  });
});
