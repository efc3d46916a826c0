import { integerSetting } from "@chaos/mesh/server";

/** The guild service's settings, read from the environment at start-up. */
export interface GuildConfig {
  /** Gold charged from the founder's wallet (to the sink) to found a guild. CHAOS_GUILD_CREATION_FEE, default 50. */
  readonly creationFee: bigint;
  /** Members a guild may have, its leader included. CHAOS_GUILD_MAX_MEMBERS, default 50. */
  readonly maxMembers: number;
  /** Invites a guild may have pending at once. CHAOS_GUILD_MAX_PENDING_INVITES, default 20. */
  readonly maxPendingInvites: number;
  /** Join requests a guild may have pending at once. CHAOS_GUILD_MAX_PENDING_JOIN_REQUESTS, default 50. */
  readonly maxPendingJoinRequests: number;
  /** Roles a guild may have, the default four included. CHAOS_GUILD_MAX_ROLES, default 10. */
  readonly maxRoles: number;
  /** How long an invite waits for an answer before it expires. CHAOS_GUILD_INVITE_TTL_SECONDS, default 86400 (a day). */
  readonly inviteTtlSeconds: number;
  /** The daily withdrawal limit of the default Officer role of new guilds. CHAOS_GUILD_OFFICER_DAILY_WITHDRAWAL_LIMIT, default 500. */
  readonly officerDailyWithdrawalLimit: bigint;
  /**
   * How long after a gold movement is recorded its settlement job first looks
   * at it. The call that records it settles it at once; the job is there for
   * a crash or an unanswered inventory call in between. Were it to look while
   * that call still runs, it would wait for the call's lock and find the
   * movement settled, so the delay only saves needless work.
   * CHAOS_GUILD_SETTLE_AFTER_SECONDS, default 15.
   */
  readonly settleAfterSeconds: number;
  /**
   * How long a settlement job waits before asking inventory again after no
   * answer, doubled after each further one up to 60 s: it never gives up.
   * CHAOS_GUILD_SETTLE_RETRY_MS, default 1000.
   */
  readonly settleRetryMs: number;
  /** Deadline of each call to inventory. CHAOS_GUILD_INVENTORY_TIMEOUT_MS, default 5000. */
  readonly inventoryTimeoutMs: number;
}

/** Reads the settings; a bad value stops start-up with a message naming the variable. */
export function loadGuildConfig(env: NodeJS.ProcessEnv = process.env): GuildConfig {
  return {
    creationFee: BigInt(integerSetting(env, "CHAOS_GUILD_CREATION_FEE", 50, 0, 1_000_000_000)),
    maxMembers: integerSetting(env, "CHAOS_GUILD_MAX_MEMBERS", 50, 1, 10_000),
    maxPendingInvites: integerSetting(env, "CHAOS_GUILD_MAX_PENDING_INVITES", 20, 1, 1_000),
    maxPendingJoinRequests: integerSetting(env, "CHAOS_GUILD_MAX_PENDING_JOIN_REQUESTS", 50, 1, 1_000),
    maxRoles: integerSetting(env, "CHAOS_GUILD_MAX_ROLES", 10, 4, 100),
    inviteTtlSeconds: integerSetting(env, "CHAOS_GUILD_INVITE_TTL_SECONDS", 86_400, 1, 30 * 86_400),
    officerDailyWithdrawalLimit: BigInt(integerSetting(env, "CHAOS_GUILD_OFFICER_DAILY_WITHDRAWAL_LIMIT", 500, 0, 1_000_000_000)),
    settleAfterSeconds: integerSetting(env, "CHAOS_GUILD_SETTLE_AFTER_SECONDS", 15, 1, 3_600),
    settleRetryMs: integerSetting(env, "CHAOS_GUILD_SETTLE_RETRY_MS", 1_000, 10, 60_000),
    inventoryTimeoutMs: integerSetting(env, "CHAOS_GUILD_INVENTORY_TIMEOUT_MS", 5_000, 100, 60_000),
  };
}
