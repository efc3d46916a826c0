import { GuildJoinPolicy, GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { lockMembership, requireActor, requirePermission } from "./actors.js";
import { admit } from "./admission.js";
import { joinRequested, joinRequestRejected } from "./guild-events.js";
import type { JoinRequestRecord, MemberRecord, Page } from "./guild-records.js";
import type { GuildStore } from "./guild-store.js";
import { alreadyInGuild, characterNotFound, guildDisbanding, guildInviteOnly, guildNotFound, joinRequestNotFound, notAMember, tooManyPending } from "./refusals.js";

export interface JoinRequestSettings {
  readonly maxMembers: number;
  readonly maxPendingJoinRequests: number;
}

/**
 * Join requests: a character asks an open guild to take it in; a member with
 * GUILD_PERMISSION_INVITE approves (the character joins with the entry role)
 * or rejects. Asking, approving and rejecting again return the request as it is.
 */
export interface JoinRequests {
  request(playerId: string, actorCharacterId: string, guildId: string, message: string): Promise<JoinRequestRecord>;
  approve(playerId: string, actorCharacterId: string, joinRequestId: string): Promise<{ joinRequest: JoinRequestRecord; member: MemberRecord }>;
  reject(playerId: string, actorCharacterId: string, joinRequestId: string): Promise<JoinRequestRecord>;
  /** The pending join requests of the actor's guild, oldest first. */
  ofActorsGuild(playerId: string, actorCharacterId: string, after: string | undefined, limit: number): Promise<Page<JoinRequestRecord, string>>;
}

export function createJoinRequests(store: GuildStore, settings: JoinRequestSettings): JoinRequests {
  return {
    async request(playerId, actorCharacterId, guildId, message) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const guild = await tx.lockGuild(guildId);
        if (guild === undefined || guild.state === "founding" || guild.state === "disbanded") throw guildNotFound(guildId);
        if (guild.state === "disbanding") throw guildDisbanding(guildId);
        if (guild.joinPolicy !== GuildJoinPolicy.OPEN) throw guildInviteOnly(guildId);
        const membership = await tx.member(actorCharacterId);
        if (membership !== undefined) throw alreadyInGuild(actorCharacterId, membership.guildId);
        const pending = await tx.pendingJoinRequest(guildId, actorCharacterId);
        if (pending !== undefined) return pending;
        if ((await tx.pendingJoinRequestCount(guildId)) >= settings.maxPendingJoinRequests) throw tooManyPending("join requests", settings.maxPendingJoinRequests);
        const request = await tx.insertJoinRequest(guildId, actorCharacterId, message);
        await tx.publish([joinRequested(request, guild.name)]);
        return request;
      });
    },

    async approve(playerId, actorCharacterId, joinRequestId) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.INVITE);
        const request = await tx.lockJoinRequest(joinRequestId);
        if (request === undefined || request.guildId !== guild.guildId) throw joinRequestNotFound(joinRequestId);
        if (request.state === "approved") {
          const member = await tx.member(request.characterId);
          if (member === undefined || member.guildId !== guild.guildId) throw joinRequestNotFound(joinRequestId);
          return { joinRequest: request, member };
        }
        if (request.state !== "pending") throw joinRequestNotFound(joinRequestId);
        const character = await tx.character(request.characterId);
        if (character === undefined || character.deleted) throw characterNotFound(request.characterId);
        const approved = await tx.closeJoinRequest(joinRequestId, "approved", actorCharacterId);
        const member = await admit(tx, guild, character, { method: "join_request", joinRequestId, admittedBy: actorCharacterId }, settings.maxMembers);
        return { joinRequest: approved, member };
      });
    },

    async reject(playerId, actorCharacterId, joinRequestId) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.INVITE);
        const request = await tx.lockJoinRequest(joinRequestId);
        if (request === undefined || request.guildId !== guild.guildId) throw joinRequestNotFound(joinRequestId);
        if (request.state === "rejected") return request;
        if (request.state !== "pending") throw joinRequestNotFound(joinRequestId);
        const rejected = await tx.closeJoinRequest(joinRequestId, "rejected", actorCharacterId);
        await tx.publish([joinRequestRejected(rejected, guild.name)]);
        return rejected;
      });
    },

    async ofActorsGuild(playerId, actorCharacterId, after, limit) {
      await requireActor(store, playerId, actorCharacterId);
      const member = await store.member(actorCharacterId);
      if (member === undefined) throw notAMember();
      return store.joinRequestsOfGuild(member.guildId, after, limit);
    },
  };
}
