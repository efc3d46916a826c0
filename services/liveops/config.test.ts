import { describe, expect, it } from "vitest";
import { loadLiveopsConfig } from "./config.js";

describe("liveops settings", () => {
  it("has defaults", () => {
    expect(loadLiveopsConfig({})).toEqual({ scheduleTickMs: 1_000, maxScheduleDays: 366, overlapChecks: 1_000 });
  });

  it("reads each variable and stops on a bad value, naming it", () => {
    expect(loadLiveopsConfig({ CHAOS_LIVEOPS_SCHEDULE_TICK_MS: "200" }).scheduleTickMs).toBe(200);
    expect(() => loadLiveopsConfig({ CHAOS_LIVEOPS_SCHEDULE_TICK_MS: "10" })).toThrow(/CHAOS_LIVEOPS_SCHEDULE_TICK_MS/);
    expect(() => loadLiveopsConfig({ CHAOS_LIVEOPS_MAX_SCHEDULE_DAYS: "a year" })).toThrow(/CHAOS_LIVEOPS_MAX_SCHEDULE_DAYS/);
    expect(() => loadLiveopsConfig({ CHAOS_LIVEOPS_OVERLAP_CHECKS: "0" })).toThrow(/CHAOS_LIVEOPS_OVERLAP_CHECKS/);
  });
});
