import type { ServiceImpl } from "@connectrpc/connect";
import type { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import type { Bank } from "../core/bank.js";
import type { Disbanding } from "../core/disbanding.js";
import type { Founding } from "../core/founding.js";
import type { GuildDirectory } from "../core/guild-directory.js";
import { toBankEntry, toGuild, toGuildRole, toInvite, toJoinRequest, toMember } from "../core/guild-messages.js";
import type { Invites } from "../core/invites.js";
import type { JoinRequests } from "../core/join-requests.js";
import type { Membership } from "../core/membership.js";
import type { Roles } from "../core/roles.js";
import { bankTokens, guildSearchTokens, memberTokens, seqTokens } from "./page-tokens.js";

/** What the public API drives. */
export interface GuildFlows {
  readonly founding: Founding;
  readonly directory: GuildDirectory;
  readonly invites: Invites;
  readonly joinRequests: JoinRequests;
  readonly membership: Membership;
  readonly roles: Roles;
  readonly bank: Bank;
  readonly disbanding: Disbanding;
}

/** Listings without a page size get this many items per page. */
const defaultPageSize = 20;
const pageSizeOf = (requested: number) => (requested === 0 ? defaultPageSize : requested);

const myInviteTokens = seqTokens("my-invites");
const guildInviteTokens = seqTokens("guild-invites");
const joinRequestTokens = seqTokens("join-requests");

/**
 * The public API: an authenticated player (token subject = player id) acts
 * through one of their characters; core checks that the character is theirs.
 * Reads that name no character (a guild, a search, its members) still need a
 * player's token: guilds are shown to players, not to anonymous callers.
 */
export function createGuildHandlers(flows: GuildFlows): ServiceImpl<typeof GuildService> {
  const player = (context: Parameters<typeof requirePrincipal>[0]) => requirePrincipal(context).subject;
  return {
    async createGuild(request, context) {
      const { guild, roles, leader } = await flows.founding.create(player(context), {
        actorCharacterId: request.actorCharacterId,
        name: request.name,
        tag: request.tag,
        description: request.description,
        joinPolicy: request.joinPolicy,
        idempotencyKey: request.idempotencyKey,
      });
      return { guild: toGuild(guild), roles: roles.map(toGuildRole), leader: leader === undefined ? undefined : toMember(leader), fee: guild.fee };
    },

    async getGuild(request, context) {
      requirePrincipal(context);
      const { guild, roles } = await flows.directory.guild(request.guildId);
      return { guild: toGuild(guild), roles: roles.map(toGuildRole) };
    },

    async listGuilds(request, context) {
      requirePrincipal(context);
      const page = await flows.directory.search(request.query, guildSearchTokens.decode(request.query, request.pageToken), pageSizeOf(request.pageSize));
      return { guilds: page.items.map(toGuild), nextPageToken: guildSearchTokens.encode(request.query, page.next) };
    },

    async getMyGuild(request, context) {
      const mine = await flows.directory.myGuild(player(context), request.actorCharacterId);
      if (mine === undefined) return {};
      return {
        guild: toGuild(mine.guild),
        member: toMember(mine.member),
        role: toGuildRole(mine.member.role),
        roles: mine.roles.map(toGuildRole),
        pendingInviteCount: mine.pendingInvites,
        pendingJoinRequestCount: mine.pendingJoinRequests,
        bankBalance: mine.bankBalance,
        withdrawalRemainingToday: mine.withdrawalRemainingToday,
      };
    },

    async listMembers(request, context) {
      requirePrincipal(context);
      const page = await flows.directory.members(request.guildId, memberTokens.decode(request.guildId, request.pageToken), pageSizeOf(request.pageSize));
      return { members: page.items.map(toMember), nextPageToken: memberTokens.encode(request.guildId, page.next) };
    },

    async inviteMember(request, context) {
      return { invite: toInvite(await flows.invites.invite(player(context), request.actorCharacterId, request.characterId)) };
    },

    async revokeInvite(request, context) {
      return { invite: toInvite(await flows.invites.revoke(player(context), request.actorCharacterId, request.inviteId)) };
    },

    async acceptInvite(request, context) {
      const { member, guild } = await flows.invites.accept(player(context), request.actorCharacterId, request.inviteId);
      return { member: toMember(member), guild: toGuild(guild) };
    },

    async declineInvite(request, context) {
      return { invite: toInvite(await flows.invites.decline(player(context), request.actorCharacterId, request.inviteId)) };
    },

    async listMyInvites(request, context) {
      const actor = request.actorCharacterId;
      const page = await flows.invites.ofActor(player(context), actor, myInviteTokens.decode(actor, request.pageToken), pageSizeOf(request.pageSize));
      return { invites: page.items.map(toInvite), nextPageToken: myInviteTokens.encode(actor, page.next) };
    },

    async listGuildInvites(request, context) {
      const actor = request.actorCharacterId;
      const page = await flows.invites.ofActorsGuild(player(context), actor, guildInviteTokens.decode(actor, request.pageToken), pageSizeOf(request.pageSize));
      return { invites: page.items.map(toInvite), nextPageToken: guildInviteTokens.encode(actor, page.next) };
    },

    async requestToJoin(request, context) {
      return { joinRequest: toJoinRequest(await flows.joinRequests.request(player(context), request.actorCharacterId, request.guildId, request.message)) };
    },

    async listJoinRequests(request, context) {
      const actor = request.actorCharacterId;
      const page = await flows.joinRequests.ofActorsGuild(player(context), actor, joinRequestTokens.decode(actor, request.pageToken), pageSizeOf(request.pageSize));
      return { joinRequests: page.items.map(toJoinRequest), nextPageToken: joinRequestTokens.encode(actor, page.next) };
    },

    async approveJoinRequest(request, context) {
      const { joinRequest, member } = await flows.joinRequests.approve(player(context), request.actorCharacterId, request.joinRequestId);
      return { joinRequest: toJoinRequest(joinRequest), member: toMember(member) };
    },

    async rejectJoinRequest(request, context) {
      return { joinRequest: toJoinRequest(await flows.joinRequests.reject(player(context), request.actorCharacterId, request.joinRequestId)) };
    },

    async leaveGuild(request, context) {
      return { guildId: await flows.membership.leave(player(context), request.actorCharacterId) };
    },

    async kickMember(request, context) {
      return { guildId: await flows.membership.kick(player(context), request.actorCharacterId, request.characterId, request.reason) };
    },

    async changeMemberRole(request, context) {
      return { member: toMember(await flows.membership.changeRole(player(context), request.actorCharacterId, request.characterId, request.roleId)) };
    },

    async transferLeadership(request, context) {
      const change = await flows.membership.transferLeadership(
        player(context),
        request.actorCharacterId,
        request.newLeaderCharacterId,
        request.formerLeaderRoleId === "" ? undefined : request.formerLeaderRoleId,
      );
      return { guild: toGuild(change.guild), newLeader: toMember(change.newLeader), formerLeader: toMember(change.formerLeader) };
    },

    async createRole(request, context) {
      const { name, rank, permissions, dailyWithdrawalLimit } = request;
      return { role: toGuildRole(await flows.roles.create(player(context), request.actorCharacterId, { name, rank, permissions, dailyWithdrawalLimit })) };
    },

    async updateRole(request, context) {
      const { name, rank, permissions, dailyWithdrawalLimit } = request;
      return { role: toGuildRole(await flows.roles.update(player(context), request.actorCharacterId, request.roleId, { name, rank, permissions, dailyWithdrawalLimit })) };
    },

    async deleteRole(request, context) {
      await flows.roles.delete(player(context), request.actorCharacterId, request.roleId);
      return { roleId: request.roleId };
    },

    async disbandGuild(request, context) {
      const guild = await flows.disbanding.disband(player(context), request.actorCharacterId);
      return { guild: toGuild(guild), returnedGold: guild.returnedGold };
    },

    async depositToGuildBank(request, context) {
      const { actorCharacterId, amount, idempotencyKey } = request;
      const result = await flows.bank.deposit(player(context), { actorCharacterId, amount, idempotencyKey });
      return { transactionId: result.transactionId, bankBalance: result.bankBalanceAfter, walletBalance: result.walletBalanceAfter };
    },

    async withdrawFromGuildBank(request, context) {
      const { actorCharacterId, amount, idempotencyKey } = request;
      const result = await flows.bank.withdraw(player(context), { actorCharacterId, amount, idempotencyKey });
      return {
        transactionId: result.transactionId,
        bankBalance: result.bankBalanceAfter,
        walletBalance: result.walletBalanceAfter,
        withdrawalRemainingToday: result.withdrawalRemainingToday,
      };
    },

    async listBankEntries(request, context) {
      const actor = request.actorCharacterId;
      const history = await flows.bank.history(player(context), actor, pageSizeOf(request.pageSize), bankTokens.decode(actor, request.pageToken));
      return { entries: history.entries.map(toBankEntry), nextPageToken: bankTokens.encode(actor, history.nextPageToken), bankBalance: history.balance };
    },
  };
}
