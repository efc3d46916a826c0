import { describe, expect, it } from "vitest";
import { conservativeRank, rateMatch, startingRating } from "./skill-rating.js";

// Reference values from openskill's own README (node_modules/openskill/README.md, v5.0.1, "Usage" and
// "Ranking"): a1 = rating() and a2 = (32.444, 5.123) beat b1 = (43.381, 2.421) and b2 = (25.188, 6.211),
// giving x1 (28.67..., 8.07...), x2 (33.83..., 5.06...), y1 (43.07..., 2.42...), y2 (23.15..., 6.14...);
// ordinal({ mu: 43.07, sigma: 2.42 }) is 35.81.
describe("the OpenSkill rating adapter", () => {
  const teams = [
    [
      { characterId: "a1", rating: startingRating() },
      { characterId: "a2", rating: { mu: 32.444, sigma: 5.123 } },
    ],
    [
      { characterId: "b1", rating: { mu: 43.381, sigma: 2.421 } },
      { characterId: "b2", rating: { mu: 25.188, sigma: 6.211 } },
    ],
  ];

  it("rates a win as openskill's README documents it", () => {
    const after = rateMatch(teams, { kind: "win", winningTeam: 0 }, new Set());
    expect(after.get("a1")!.mu).toBeCloseTo(28.67, 2);
    expect(after.get("a1")!.sigma).toBeCloseTo(8.07, 2);
    expect(after.get("a2")!.mu).toBeCloseTo(33.83, 2);
    expect(after.get("a2")!.sigma).toBeCloseTo(5.06, 2);
    expect(after.get("b1")!.mu).toBeCloseTo(43.07, 2);
    expect(after.get("b1")!.sigma).toBeCloseTo(2.42, 2);
    expect(after.get("b2")!.mu).toBeCloseTo(23.15, 2);
    expect(after.get("b2")!.sigma).toBeCloseTo(6.14, 2);
  });

  it("starts everyone at mu 25, sigma 25/3, and ranks by mu - 3 sigma", () => {
    expect(startingRating()).toEqual({ mu: 25, sigma: 25 / 3 });
    expect(conservativeRank({ mu: 43.07, sigma: 2.42 })).toBeCloseTo(35.81, 2);
  });

  it("rates a leaver on the winning team as a loser, and the rest on the real outcome", () => {
    const after = rateMatch(teams, { kind: "win", winningTeam: 0 }, new Set(["a1"]));
    const asLoser = rateMatch(teams, { kind: "win", winningTeam: 1 }, new Set());
    expect(after.get("a1")).toEqual(asLoser.get("a1"));
    expect(after.get("a1")!.mu).toBeLessThan(25);
    expect(after.get("a2")!.mu).toBeCloseTo(33.83, 2);
    expect(after.get("b1")!.mu).toBeCloseTo(43.07, 2);
  });

  it("moves nobody's mu in a draw between equals, and narrows their sigma", () => {
    const equals = [[{ characterId: "x", rating: startingRating() }], [{ characterId: "y", rating: startingRating() }]];
    const after = rateMatch(equals, { kind: "draw" }, new Set());
    expect(after.get("x")!.mu).toBeCloseTo(25, 6);
    expect(after.get("x")!.sigma).toBeLessThan(25 / 3);
  });
});
