import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  BankEntryDirection,
  BankEntrySchema,
  GuildRoleKind,
  GuildRoleSchema,
  GuildSchema,
  GuildState,
  InviteSchema,
  InviteState,
  JoinRequestSchema,
  JoinRequestState,
  MemberSchema,
  type BankEntry,
  type Guild,
  type GuildRole,
  type Invite,
  type JoinRequest,
  type Member,
} from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { BankEntryRecord, GuildRecord, GuildStateName, InviteRecord, InviteStateName, JoinRequestRecord, JoinRequestStateName, MemberRecord, RoleKind, RoleRecord } from "./guild-records.js";

// Records as the contract's messages: the responses and the events carry the same shapes.

const guildStates: Record<GuildStateName, GuildState> = {
  founding: GuildState.UNSPECIFIED,
  active: GuildState.ACTIVE,
  disbanding: GuildState.DISBANDING,
  disbanded: GuildState.DISBANDED,
};

const roleKinds: Record<RoleKind, GuildRoleKind> = { leader: GuildRoleKind.LEADER, entry: GuildRoleKind.ENTRY, standard: GuildRoleKind.STANDARD };

const inviteStates: Record<InviteStateName, InviteState> = {
  pending: InviteState.PENDING,
  accepted: InviteState.ACCEPTED,
  declined: InviteState.DECLINED,
  revoked: InviteState.REVOKED,
  expired: InviteState.EXPIRED,
};

const joinRequestStates: Record<JoinRequestStateName, JoinRequestState> = {
  pending: JoinRequestState.PENDING,
  approved: JoinRequestState.APPROVED,
  rejected: JoinRequestState.REJECTED,
  withdrawn: JoinRequestState.WITHDRAWN,
};

export function toGuild(guild: GuildRecord): Guild {
  return create(GuildSchema, {
    guildId: guild.guildId,
    name: guild.name,
    tag: guild.tag,
    description: guild.description,
    joinPolicy: guild.joinPolicy,
    state: guildStates[guild.state],
    leaderCharacterId: guild.leaderCharacterId,
    memberCount: guild.memberCount,
    createTime: timestampFromDate(guild.createdAt),
  });
}

export function toGuildRole(role: RoleRecord): GuildRole {
  return create(GuildRoleSchema, {
    roleId: role.roleId,
    guildId: role.guildId,
    name: role.name,
    rank: role.rank,
    kind: roleKinds[role.kind],
    permissions: [...role.permissions],
    dailyWithdrawalLimit: role.kind === "leader" ? 0n : role.dailyWithdrawalLimit,
  });
}

export function toMember(member: MemberRecord): Member {
  return create(MemberSchema, {
    guildId: member.guildId,
    characterId: member.characterId,
    characterName: member.characterName,
    roleId: member.role.roleId,
    roleName: member.role.name,
    rank: member.role.rank,
    joinTime: timestampFromDate(member.joinedAt),
  });
}

export function toInvite(invite: InviteRecord): Invite {
  return create(InviteSchema, {
    inviteId: invite.inviteId,
    guildId: invite.guildId,
    guildName: invite.guildName,
    guildTag: invite.guildTag,
    characterId: invite.characterId,
    characterName: invite.characterName,
    invitedByCharacterId: invite.invitedByCharacterId,
    invitedByCharacterName: invite.invitedByCharacterName,
    state: invite.lapsed ? InviteState.EXPIRED : inviteStates[invite.state],
    createTime: timestampFromDate(invite.createdAt),
    expireTime: timestampFromDate(invite.expiresAt),
  });
}

export function toJoinRequest(request: JoinRequestRecord): JoinRequest {
  return create(JoinRequestSchema, {
    joinRequestId: request.joinRequestId,
    guildId: request.guildId,
    characterId: request.characterId,
    characterName: request.characterName,
    message: request.message,
    state: joinRequestStates[request.state],
    decidedByCharacterId: request.decidedByCharacterId ?? "",
    createTime: timestampFromDate(request.createdAt),
  });
}

export function toBankEntry(entry: BankEntryRecord): BankEntry {
  return create(BankEntrySchema, {
    entryId: entry.entryId,
    transactionId: entry.transactionId,
    direction: entry.direction === "deposit" ? BankEntryDirection.DEPOSIT : BankEntryDirection.WITHDRAWAL,
    characterId: entry.characterId,
    counterAccount: entry.counterAccount,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    createTime: timestampFromDate(entry.createdAt),
  });
}
