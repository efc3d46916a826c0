import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { lockMembership, requireActor, requireOutranks, requirePermission } from "./actors.js";
import { leadershipTransferred, memberKicked, memberLeft, memberRoleChanged } from "./guild-events.js";
import type { GuildRecord, MemberRecord } from "./guild-records.js";
import type { GuildStore, GuildTransaction } from "./guild-store.js";
import { leaderCannotLeave, memberNotFound, notLeader, roleNotFound, roleProtected, selfTarget } from "./refusals.js";

/** The guild and both memberships after a leadership transfer. */
export interface LeadershipChange {
  readonly guild: GuildRecord;
  readonly newLeader: MemberRecord;
  readonly formerLeader: MemberRecord;
}

/**
 * Changes of who is in a guild and with which role. Each runs in one
 * transaction holding the guild's lock, so the checks (ranks, the single
 * leader) and the change cannot interleave with another change of the guild.
 */
export interface Membership {
  /** The guild left. */
  leave(playerId: string, actorCharacterId: string): Promise<string>;
  /** The guild the member was removed from. */
  kick(playerId: string, actorCharacterId: string, characterId: string, reason: string): Promise<string>;
  changeRole(playerId: string, actorCharacterId: string, characterId: string, roleId: string): Promise<MemberRecord>;
  /** The former leader takes `formerLeaderRoleId`, or the highest role below the leader's when undefined. */
  transferLeadership(playerId: string, actorCharacterId: string, newLeaderCharacterId: string, formerLeaderRoleId: string | undefined): Promise<LeadershipChange>;
}

/** The member `characterId` of the guild, locked; MEMBER_NOT_FOUND when they are not in it. */
async function lockTarget(tx: GuildTransaction, guildId: string, characterId: string): Promise<MemberRecord> {
  const target = await tx.lockMember(characterId);
  if (target === undefined || target.guildId !== guildId) throw memberNotFound(characterId);
  return target;
}

export function createMembership(store: GuildStore): Membership {
  return {
    async leave(playerId, actorCharacterId) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        if (member.role.kind === "leader") throw leaderCannotLeave();
        await tx.removeMember(actorCharacterId);
        await tx.publish([memberLeft(member, "left", new Date())]);
        return guild.guildId;
      });
    },

    async kick(playerId, actorCharacterId, characterId, reason) {
      await requireActor(store, playerId, actorCharacterId);
      if (characterId === actorCharacterId) throw selfTarget();
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.KICK);
        const target = await lockTarget(tx, guild.guildId, characterId);
        requireOutranks(actor, target.role.rank);
        await tx.removeMember(characterId);
        await tx.publish([memberKicked(target, actorCharacterId, reason, new Date())]);
        return guild.guildId;
      });
    },

    async changeRole(playerId, actorCharacterId, characterId, roleId) {
      await requireActor(store, playerId, actorCharacterId);
      if (characterId === actorCharacterId) throw selfTarget();
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.PROMOTE);
        const target = await lockTarget(tx, guild.guildId, characterId);
        const role = await tx.role(guild.guildId, roleId);
        if (role === undefined) throw roleNotFound(roleId);
        if (role.kind === "leader") throw roleProtected(roleId, "the leader's role passes only by TransferLeadership");
        requireOutranks(actor, target.role.rank);
        requireOutranks(actor, role.rank);
        if (target.role.roleId === roleId) return target;
        await tx.setMemberRole(characterId, roleId);
        await tx.publish([memberRoleChanged(target, role, actorCharacterId, new Date())]);
        return { ...target, role };
      });
    },

    async transferLeadership(playerId, actorCharacterId, newLeaderCharacterId, formerLeaderRoleId) {
      await requireActor(store, playerId, actorCharacterId);
      if (newLeaderCharacterId === actorCharacterId) throw selfTarget();
      return store.transaction(async (tx) => {
        const { member: leader, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        if (leader.role.kind !== "leader") throw notLeader();
        const successor = await lockTarget(tx, guild.guildId, newLeaderCharacterId);
        const roles = await tx.roles(guild.guildId);
        // Roles come highest first: the first that is not the leader's is the highest below it.
        const formerRole = formerLeaderRoleId === undefined ? roles.find((r) => r.kind !== "leader") : roles.find((r) => r.roleId === formerLeaderRoleId);
        if (formerRole === undefined) throw roleNotFound(formerLeaderRoleId ?? "");
        if (formerRole.kind === "leader") throw roleProtected(formerRole.roleId, "the former leader takes a role below the leader's");
        await tx.setMemberRole(newLeaderCharacterId, leader.role.roleId);
        await tx.setMemberRole(actorCharacterId, formerRole.roleId);
        await tx.setLeader(guild.guildId, newLeaderCharacterId);
        await tx.publish([
          leadershipTransferred(
            guild.guildId,
            { formerLeader: actorCharacterId, newLeader: newLeaderCharacterId, reason: "transferred", formerLeaderRoleId: formerRole.roleId },
            new Date(),
          ),
        ]);
        return { guild: (await tx.guild(guild.guildId))!, newLeader: { ...successor, role: leader.role }, formerLeader: { ...leader, role: formerRole } };
      });
    },
  };
}
