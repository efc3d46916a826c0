import { describe, expect, it } from "vitest";
import { loadPlayerConfig } from "./config.js";

describe("player settings", () => {
  it("default to 30 s for characters and 10 s for training targets", () => {
    expect(loadPlayerConfig({})).toEqual({ respawnSeconds: 30, targetRespawnSeconds: 10 });
  });

  it("read the environment", () => {
    expect(loadPlayerConfig({ CHAOS_PLAYER_RESPAWN_SECONDS: "2.5", CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0" })).toEqual({ respawnSeconds: 2.5, targetRespawnSeconds: 0 });
  });

  it("stop start-up on a bad value, naming the variable", () => {
    expect(() => loadPlayerConfig({ CHAOS_PLAYER_RESPAWN_SECONDS: "soon" })).toThrow(/CHAOS_PLAYER_RESPAWN_SECONDS/);
    expect(() => loadPlayerConfig({ CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "-1" })).toThrow(/CHAOS_PLAYER_TARGET_RESPAWN_SECONDS/);
  });
});
