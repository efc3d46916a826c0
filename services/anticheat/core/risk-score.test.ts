import { describe, expect, it } from "vitest";
import { decayed, noScore, withSignal } from "./risk-score.js";

const hour = 3_600_000;
const t0 = new Date("2026-12-01T00:00:00Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

describe("the decaying risk score", () => {
  it("halves every half-life", () => {
    const score = withSignal(noScore(t0), 40, t0, 24 * hour);
    expect(decayed(score, later(24 * hour), 24 * hour)).toBeCloseTo(20);
    expect(decayed(score, later(48 * hour), 24 * hour)).toBeCloseTo(10);
    expect(decayed(score, t0, 24 * hour)).toBe(40);
  });

  it("adds a new signal to what is left of the old ones", () => {
    const first = withSignal(noScore(t0), 40, t0, 24 * hour);
    const second = withSignal(first, 10, later(24 * hour), 24 * hour);
    expect(second.value).toBeCloseTo(30);
    expect(second.at).toEqual(later(24 * hour));
  });

  it("gives the same score whatever order the signals arrive in", () => {
    const inOrder = withSignal(withSignal(noScore(t0), 10, t0, hour), 20, later(hour), hour);
    const reversed = withSignal(withSignal(noScore(t0), 20, later(hour), hour), 10, t0, hour);
    expect(decayed(reversed, later(2 * hour), hour)).toBeCloseTo(decayed(inOrder, later(2 * hour), hour));
  });

  it("does not grow back when asked about an earlier time", () => {
    const score = withSignal(noScore(t0), 40, later(hour), hour);
    expect(decayed(score, t0, hour)).toBe(40);
  });
});
