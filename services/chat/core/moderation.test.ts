import { describe, expect, it } from "vitest";
import { isModerator } from "./moderation.js";

describe("who moderates", () => {
  it("is an admin or a moderator, never a plain player", () => {
    expect(isModerator({ kind: "player", roles: ["player", "moderator"] })).toBe(true);
    expect(isModerator({ kind: "player", roles: ["player", "admin"] })).toBe(true);
    expect(isModerator({ kind: "admin", roles: [] })).toBe(true);
    expect(isModerator({ kind: "player", roles: ["player"] })).toBe(false);
  });
});
