import { describe, expect, it } from "vitest";
import { loadGuildConfig } from "./config.js";

describe("guild settings", () => {
  it("have a default for every setting", () => {
    expect(loadGuildConfig({})).toEqual({
      creationFee: 50n,
      maxMembers: 50,
      maxPendingInvites: 20,
      maxPendingJoinRequests: 50,
      maxRoles: 10,
      inviteTtlSeconds: 86_400,
      officerDailyWithdrawalLimit: 500n,
      settleAfterSeconds: 15,
      settleRetryMs: 1_000,
      inventoryTimeoutMs: 5_000,
    });
    expect(loadGuildConfig({ CHAOS_GUILD_CREATION_FEE: "0", CHAOS_GUILD_MAX_MEMBERS: "" })).toMatchObject({ creationFee: 0n, maxMembers: 50 });
  });

  it("stop start-up on a bad value, naming the variable", () => {
    const bad: Record<string, string> = {
      CHAOS_GUILD_CREATION_FEE: "-1",
      CHAOS_GUILD_MAX_MEMBERS: "0",
      CHAOS_GUILD_MAX_ROLES: "3",
      CHAOS_GUILD_INVITE_TTL_SECONDS: "a day",
      CHAOS_GUILD_SETTLE_RETRY_MS: "1.5",
    };
    for (const [variable, value] of Object.entries(bad)) expect(() => loadGuildConfig({ [variable]: value })).toThrow(new RegExp(variable));
  });
});
