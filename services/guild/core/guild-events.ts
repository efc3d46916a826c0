import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  GuildBankDepositedSchema,
  GuildBankWithdrawnSchema,
  GuildCreatedSchema,
  GuildDisbandedSchema,
  InviteAcceptedSchema,
  InviteDeclinedSchema,
  InviteExpiredSchema,
  InviteRevokedSchema,
  InviteSentSchema,
  JoinMethod,
  JoinRequestedSchema,
  JoinRequestRejectedSchema,
  LeadershipChangeReason,
  LeadershipTransferredSchema,
  LeaveReason,
  MemberJoinedSchema,
  MemberKickedSchema,
  MemberLeftSchema,
  MemberRoleChangedSchema,
  RoleCreatedSchema,
  RoleDeletedSchema,
  RoleUpdatedSchema,
} from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { BankTransferRecord, GuildRecord, InviteRecord, JoinRequestRecord, MemberRecord, RoleRecord, TransferOutcome } from "./guild-records.js";
import { toGuild, toGuildRole, toInvite, toJoinRequest, toMember } from "./guild-messages.js";

/** Every guild event goes to chaos.guild.v1.guilds, keyed by the guild, so one guild's events stay in order. */
function guildEvent<Desc extends DescMessage>(guildId: string, schema: Desc, init: MessageInitShape<Desc>): OutgoingEvent {
  return { topic: topicName("guild", "guilds"), aggregateId: guildId, schema, message: create(schema, init) };
}

const at = (time: Date) => timestampFromDate(time);

export function guildCreated(guild: GuildRecord, roles: readonly RoleRecord[], leader: MemberRecord): OutgoingEvent {
  return guildEvent(guild.guildId, GuildCreatedSchema, { guild: toGuild(guild), roles: roles.map(toGuildRole), leader: toMember(leader), fee: guild.fee });
}

/** How a member got in: the invite accepted or the join request approved, and who let them in. */
export type Admission =
  | { readonly method: "invite"; readonly inviteId: string; readonly admittedBy: string }
  | { readonly method: "join_request"; readonly joinRequestId: string; readonly admittedBy: string };

export function memberJoined(member: MemberRecord, guildName: string, admission: Admission): OutgoingEvent {
  return guildEvent(member.guildId, MemberJoinedSchema, {
    member: toMember(member),
    guildName,
    method: admission.method === "invite" ? JoinMethod.INVITE : JoinMethod.JOIN_REQUEST,
    inviteId: admission.method === "invite" ? admission.inviteId : "",
    joinRequestId: admission.method === "join_request" ? admission.joinRequestId : "",
    admittedByCharacterId: admission.admittedBy,
  });
}

export function memberLeft(member: MemberRecord, reason: "left" | "character_deleted", time: Date): OutgoingEvent {
  return guildEvent(member.guildId, MemberLeftSchema, {
    guildId: member.guildId,
    characterId: member.characterId,
    characterName: member.characterName,
    reason: reason === "left" ? LeaveReason.LEFT : LeaveReason.CHARACTER_DELETED,
    leaveTime: at(time),
  });
}

export function memberKicked(member: MemberRecord, kickedBy: string, reason: string, time: Date): OutgoingEvent {
  return guildEvent(member.guildId, MemberKickedSchema, {
    guildId: member.guildId,
    characterId: member.characterId,
    characterName: member.characterName,
    kickedByCharacterId: kickedBy,
    reason,
    kickTime: at(time),
  });
}

export function memberRoleChanged(member: MemberRecord, newRole: RoleRecord, changedBy: string, time: Date): OutgoingEvent {
  return guildEvent(member.guildId, MemberRoleChangedSchema, {
    guildId: member.guildId,
    characterId: member.characterId,
    oldRole: toGuildRole(member.role),
    newRole: toGuildRole(newRole),
    changedByCharacterId: changedBy,
    changeTime: at(time),
  });
}

export function roleCreated(role: RoleRecord, by: string, time: Date): OutgoingEvent {
  return guildEvent(role.guildId, RoleCreatedSchema, { role: toGuildRole(role), createdByCharacterId: by, createTime: at(time) });
}

export function roleUpdated(before: RoleRecord, after: RoleRecord, by: string, time: Date): OutgoingEvent {
  return guildEvent(after.guildId, RoleUpdatedSchema, { oldRole: toGuildRole(before), newRole: toGuildRole(after), updatedByCharacterId: by, updateTime: at(time) });
}

export function roleDeleted(role: RoleRecord, by: string, time: Date): OutgoingEvent {
  return guildEvent(role.guildId, RoleDeletedSchema, { role: toGuildRole(role), deletedByCharacterId: by, deleteTime: at(time) });
}

export function leadershipTransferred(
  guildId: string,
  change: { formerLeader: string; newLeader: string; reason: "transferred" | "leader_deleted"; formerLeaderRoleId: string },
  time: Date,
): OutgoingEvent {
  return guildEvent(guildId, LeadershipTransferredSchema, {
    guildId,
    formerLeaderCharacterId: change.formerLeader,
    newLeaderCharacterId: change.newLeader,
    reason: change.reason === "transferred" ? LeadershipChangeReason.TRANSFERRED : LeadershipChangeReason.LEADER_DELETED,
    formerLeaderRoleId: change.formerLeaderRoleId,
    transferTime: at(time),
  });
}

export function inviteSent(invite: InviteRecord): OutgoingEvent {
  return guildEvent(invite.guildId, InviteSentSchema, { invite: toInvite(invite) });
}

export function inviteAccepted(invite: InviteRecord): OutgoingEvent {
  return guildEvent(invite.guildId, InviteAcceptedSchema, { invite: toInvite(invite) });
}

export function inviteDeclined(invite: InviteRecord): OutgoingEvent {
  return guildEvent(invite.guildId, InviteDeclinedSchema, { invite: toInvite(invite) });
}

export function inviteRevoked(invite: InviteRecord, revokedBy: string): OutgoingEvent {
  return guildEvent(invite.guildId, InviteRevokedSchema, { invite: toInvite(invite), revokedByCharacterId: revokedBy });
}

export function inviteExpired(invite: InviteRecord): OutgoingEvent {
  return guildEvent(invite.guildId, InviteExpiredSchema, { invite: toInvite(invite) });
}

export function joinRequested(request: JoinRequestRecord, guildName: string): OutgoingEvent {
  return guildEvent(request.guildId, JoinRequestedSchema, { joinRequest: toJoinRequest(request), guildName });
}

export function joinRequestRejected(request: JoinRequestRecord, guildName: string): OutgoingEvent {
  return guildEvent(request.guildId, JoinRequestRejectedSchema, { joinRequest: toJoinRequest(request), guildName });
}

export function guildDisbanded(guild: GuildRecord, formerMembers: readonly string[], time: Date): OutgoingEvent {
  return guildEvent(guild.guildId, GuildDisbandedSchema, {
    guild: toGuild(guild),
    formerMemberCharacterIds: [...formerMembers],
    returnedGold: guild.returnedGold,
    unreturnedGold: guild.unreturnedGold,
    disbandTime: at(time),
  });
}

export function bankTransferCompleted(transfer: BankTransferRecord, outcome: TransferOutcome, time: Date): OutgoingEvent {
  const fields = {
    guildId: transfer.guildId,
    characterId: transfer.characterId,
    amount: transfer.amount,
    bankBalanceAfter: outcome.bankBalanceAfter,
    walletBalanceAfter: outcome.walletBalanceAfter,
    transactionId: outcome.transactionId,
  };
  return transfer.direction === "deposit"
    ? guildEvent(transfer.guildId, GuildBankDepositedSchema, { ...fields, depositTime: at(time) })
    : guildEvent(transfer.guildId, GuildBankWithdrawnSchema, { ...fields, withdrawTime: at(time) });
}
