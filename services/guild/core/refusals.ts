import { ErrorReason } from "@chaos/gen/chaos/guild/v1/errors_pb.js";
import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { DomainError } from "@chaos/mesh/domain";

// The guild's refusals, each with the reason a client branches on (errors.proto says the codes).

export const notCharacterOwner = (characterId: string) =>
  new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "the acting character is not one of yours", { character_id: characterId });

export const characterNotFound = (characterId: string) =>
  new DomainError(ErrorReason.CHARACTER_NOT_FOUND, "no such character", { character_id: characterId });

export const guildNotFound = (guildId: string) => new DomainError(ErrorReason.GUILD_NOT_FOUND, "no such guild", { guild_id: guildId });

export const notAMember = () => new DomainError(ErrorReason.NOT_A_MEMBER, "the acting character is not a member of a guild");

export const memberNotFound = (characterId: string) =>
  new DomainError(ErrorReason.MEMBER_NOT_FOUND, "the character is not a member of your guild", { character_id: characterId });

export const alreadyInGuild = (characterId: string, guildId: string) =>
  new DomainError(ErrorReason.ALREADY_IN_GUILD, "the character already belongs to a guild", { character_id: characterId, guild_id: guildId });

export const guildDisbanding = (guildId: string) =>
  new DomainError(ErrorReason.GUILD_DISBANDING, "the guild is being disbanded", { guild_id: guildId });

export const permissionMissing = (permission: GuildPermission) =>
  new DomainError(ErrorReason.PERMISSION_MISSING, `your role does not allow this (${permissionName(permission)})`, { permission: permissionName(permission) });

export const notLeader = () => new DomainError(ErrorReason.NOT_LEADER, "only the guild's leader may do this");

export const rankTooLow = (actorRank: number, targetRank: number) =>
  new DomainError(ErrorReason.RANK_TOO_LOW, "you may act only on members and roles ranked below your own", {
    actor_rank: String(actorRank),
    target_rank: String(targetRank),
  });

export const selfTarget = () => new DomainError(ErrorReason.SELF_TARGET, "name another character than the acting one");

export const idempotencyKeyReused = (key: string) =>
  new DomainError(ErrorReason.IDEMPOTENCY_KEY_REUSED, `idempotency key "${key}" was used before with other arguments`, { idempotency_key: key });

/** The outcome of a gold movement is not known yet; the same call with the same key learns it. */
export const settlementPending = (retryAfterMs: number) =>
  new DomainError(ErrorReason.SETTLEMENT_PENDING, "inventory did not answer; the gold movement is settled shortly: retry with the same idempotency key", {}, { retryAfterMs });

/** "GUILD_PERMISSION_KICK", as ErrorInfo metadata names a permission. */
export function permissionName(permission: GuildPermission): string {
  return `GUILD_PERMISSION_${GuildPermission[permission]}`;
}

export const nameTaken = (name: string) => new DomainError(ErrorReason.NAME_TAKEN, `a guild named "${name}" exists already`, { name });

export const tagTaken = (tag: string) => new DomainError(ErrorReason.TAG_TAKEN, `a guild tagged [${tag}] exists already`, { tag });

export const withdrawalLimitExceeded = (dailyLimit: bigint, withdrawnToday: bigint) => {
  const remaining = dailyLimit > withdrawnToday ? dailyLimit - withdrawnToday : 0n;
  return new DomainError(ErrorReason.WITHDRAWAL_LIMIT_EXCEEDED, `your role may withdraw ${dailyLimit} gold a day; ${remaining} left today`, {
    daily_limit: dailyLimit.toString(),
    withdrawn_today: withdrawnToday.toString(),
    remaining: remaining.toString(),
  });
};

export const leaderCannotLeave = () => new DomainError(ErrorReason.LEADER_CANNOT_LEAVE, "the leader must transfer leadership or disband the guild before leaving");

export const roleNotFound = (roleId: string) => new DomainError(ErrorReason.ROLE_NOT_FOUND, "no such role in your guild", { role_id: roleId });

export const roleProtected = (roleId: string, why: string) => new DomainError(ErrorReason.ROLE_PROTECTED, why, { role_id: roleId });

export const roleConflict = (field: "name" | "rank") =>
  new DomainError(ErrorReason.ROLE_CONFLICT, `another role of the guild has this ${field}`, { field });

export const roleInUse = (members: number) =>
  new DomainError(ErrorReason.ROLE_IN_USE, `${members} member(s) hold this role; give them another first`, { members: String(members) });

export const tooManyRoles = (maxRoles: number) =>
  new DomainError(ErrorReason.TOO_MANY_ROLES, `a guild has at most ${maxRoles} roles`, { max_roles: String(maxRoles) });

export const guildFull = (maxMembers: number) =>
  new DomainError(ErrorReason.GUILD_FULL, `the guild has ${maxMembers} members, as many as allowed`, { max_members: String(maxMembers) });

export const tooManyPending = (what: "invites" | "join requests", maxPending: number) =>
  new DomainError(ErrorReason.TOO_MANY_PENDING, `the guild has ${maxPending} pending ${what}, as many as allowed`, { max_pending: String(maxPending) });

export const inviteNotFound = (inviteId: string) => new DomainError(ErrorReason.INVITE_NOT_FOUND, "no such pending invite", { invite_id: inviteId });

export const inviteExpired = (inviteId: string) => new DomainError(ErrorReason.INVITE_EXPIRED, "the invite expired", { invite_id: inviteId });

export const guildInviteOnly = (guildId: string) =>
  new DomainError(ErrorReason.GUILD_INVITE_ONLY, "the guild takes members by invitation only", { guild_id: guildId });

export const joinRequestNotFound = (joinRequestId: string) =>
  new DomainError(ErrorReason.JOIN_REQUEST_NOT_FOUND, "no such pending join request in your guild", { join_request_id: joinRequestId });
