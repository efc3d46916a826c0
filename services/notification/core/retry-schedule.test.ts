import { describe, expect, it } from "vitest";
import { createRetrySchedule } from "./retry-schedule.js";

describe("retry schedule", () => {
  it("doubles up to the cap, jittered between half and all of it, and gives up after the last attempt", () => {
    const low = createRetrySchedule({ initialMs: 1_000, maxMs: 5_000, maxAttempts: 5, random: () => 0 });
    const high = createRetrySchedule({ initialMs: 1_000, maxMs: 5_000, maxAttempts: 5, random: () => 0.999999 });
    expect([1, 2, 3, 4].map((n) => low.delayAfter(n))).toEqual([500, 1_000, 2_000, 2_500]);
    expect([1, 2, 3, 4].map((n) => high.delayAfter(n))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(low.delayAfter(5)).toBeUndefined();
  });
});
