import { requireActor } from "./actors.js";
import { withdrawalAllowance } from "./bank.js";
import type { GuildLedger } from "./guild-ledger.js";
import type { GuildRecord, MemberRecord, Page, RoleRecord } from "./guild-records.js";
import type { GuildCursor, GuildStore, MemberCursor } from "./guild-store.js";
import { guildNotFound } from "./refusals.js";

/** Everything a guild screen shows, for one member. */
export interface MyGuild {
  readonly guild: GuildRecord;
  readonly member: MemberRecord;
  readonly roles: readonly RoleRecord[];
  readonly pendingInvites: number;
  readonly pendingJoinRequests: number;
  readonly bankBalance: bigint;
  readonly withdrawalRemainingToday: bigint;
}

/** What anyone may read about guilds (a guild that is founding or disbanded is not there). */
export interface GuildDirectory {
  guild(guildId: string): Promise<{ guild: GuildRecord; roles: readonly RoleRecord[] }>;
  search(query: string, after: GuildCursor | undefined, limit: number): Promise<Page<GuildRecord, GuildCursor>>;
  members(guildId: string, after: MemberCursor | undefined, limit: number): Promise<Page<MemberRecord, MemberCursor>>;
  /** Undefined when the actor is in no guild. */
  myGuild(playerId: string, actorCharacterId: string): Promise<MyGuild | undefined>;
}

const visible = (guild: GuildRecord | undefined): guild is GuildRecord => guild !== undefined && (guild.state === "active" || guild.state === "disbanding");

export function createGuildDirectory(store: GuildStore, ledger: GuildLedger): GuildDirectory {
  const visibleGuild = async (guildId: string) => {
    const guild = await store.guild(guildId);
    if (!visible(guild)) throw guildNotFound(guildId);
    return guild;
  };
  return {
    async guild(guildId) {
      return { guild: await visibleGuild(guildId), roles: await store.roles(guildId) };
    },
    search: (query, after, limit) => store.searchGuilds(query, after, limit),
    async members(guildId, after, limit) {
      await visibleGuild(guildId);
      return store.members(guildId, after, limit);
    },
    async myGuild(playerId, actorCharacterId) {
      await requireActor(store, playerId, actorCharacterId);
      const member = await store.member(actorCharacterId);
      const guild = member === undefined ? undefined : await store.guild(member.guildId);
      if (member === undefined || !visible(guild)) return undefined;
      const [roles, pendingInvites, pendingJoinRequests, withdrawnToday, bankBalance] = await Promise.all([
        store.roles(guild.guildId),
        store.pendingInviteCount(guild.guildId),
        store.pendingJoinRequestCount(guild.guildId),
        store.withdrawnToday(guild.guildId, actorCharacterId),
        ledger.bankBalance(guild.guildId),
      ]);
      return { guild, member, roles, pendingInvites, pendingJoinRequests, bankBalance, withdrawalRemainingToday: withdrawalAllowance(member.role, withdrawnToday, bankBalance) };
    },
  };
}
