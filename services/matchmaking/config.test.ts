import { describe, expect, it } from "vitest";
import { defaultQueues, loadMatchmakingConfig } from "./config.js";

describe("matchmaking's settings", () => {
  it("defaults to the three queues of the issue, monthly seasons and three regions", () => {
    const config = loadMatchmakingConfig({});
    expect(config.queues).toBe(defaultQueues);
    expect(config.queues.map((q) => [q.id, q.teamSize, q.ranked])).toEqual([
      ["ranked-1v1", 1, true],
      ["ranked-3v3", 3, true],
      ["casual-3v3", 3, false],
    ]);
    expect(config).toMatchObject({ seasonCron: "0 0 1 * *", regions: ["eu", "na", "asia"], readyCheckSeconds: 20 });
  });

  it("reads queues as JSON and names the variable and the queue of a bad one", () => {
    const queue = { id: "duel", teamSize: 1, ranked: true, initialWindow: 1, widenPerSecond: 1, maxWindow: 5, maxTeamGap: 5, maxLatencyMs: 100 };
    expect(loadMatchmakingConfig({ CHAOS_MATCHMAKING_QUEUES: JSON.stringify([queue]) }).queues).toEqual([queue]);
    expect(() => loadMatchmakingConfig({ CHAOS_MATCHMAKING_QUEUES: "[{" })).toThrow("CHAOS_MATCHMAKING_QUEUES: is not JSON");
    expect(() => loadMatchmakingConfig({ CHAOS_MATCHMAKING_QUEUES: JSON.stringify([{ ...queue, teamSize: 0 }]) })).toThrow("CHAOS_MATCHMAKING_QUEUES: queue 0: teamSize must be a whole number in [1, 8]");
    expect(() => loadMatchmakingConfig({ CHAOS_MATCHMAKING_QUEUES: JSON.stringify([{ ...queue, maxWindow: 0.5 }]) })).toThrow("maxWindow must be at least initialWindow");
    expect(() => loadMatchmakingConfig({ CHAOS_MATCHMAKING_QUEUES: JSON.stringify([queue, queue]) })).toThrow("two queues share an id");
  });

  it("refuses a season schedule that is not a cron expression", () => {
    expect(() => loadMatchmakingConfig({ CHAOS_MATCHMAKING_SEASON_CRON: "every month" })).toThrow(/^CHAOS_MATCHMAKING_SEASON_CRON is not a cron expression/);
  });
});
