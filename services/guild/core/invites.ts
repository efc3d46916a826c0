import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { lockMembership, requireActor, requirePermission } from "./actors.js";
import { admit } from "./admission.js";
import { inviteAccepted, inviteDeclined, inviteExpired, inviteRevoked, inviteSent } from "./guild-events.js";
import { expireInviteJob } from "./guild-jobs.js";
import type { GuildRecord, InviteRecord, MemberRecord, Page } from "./guild-records.js";
import type { GuildStore } from "./guild-store.js";
import {
  alreadyInGuild,
  characterNotFound,
  guildFull,
  inviteExpired as inviteExpiredRefusal,
  inviteNotFound,
  notAMember,
  selfTarget,
  tooManyPending,
} from "./refusals.js";

export interface InviteSettings {
  readonly maxMembers: number;
  readonly maxPendingInvites: number;
  readonly inviteTtlSeconds: number;
}

/**
 * Invitations. An invite is pending until the invited character accepts or
 * declines it, the guild revokes it, or it expires: a durable timer, the
 * expire_invite job enqueued with the invite (due at its expiry, so it
 * fires after a restart as well), marks it and publishes InviteExpired
 * without anyone calling. Past its expiry an invite counts as gone at once,
 * whether or not the job ran yet. Every answer is idempotent: the same
 * answer again returns the invite as it is.
 */
export interface Invites {
  invite(playerId: string, actorCharacterId: string, characterId: string): Promise<InviteRecord>;
  revoke(playerId: string, actorCharacterId: string, inviteId: string): Promise<InviteRecord>;
  accept(playerId: string, actorCharacterId: string, inviteId: string): Promise<{ member: MemberRecord; guild: GuildRecord }>;
  decline(playerId: string, actorCharacterId: string, inviteId: string): Promise<InviteRecord>;
  /** The actor's pending invites, newest first. */
  ofActor(playerId: string, actorCharacterId: string, before: string | undefined, limit: number): Promise<Page<InviteRecord, string>>;
  /** The pending invites of the actor's guild, newest first. */
  ofActorsGuild(playerId: string, actorCharacterId: string, before: string | undefined, limit: number): Promise<Page<InviteRecord, string>>;
  /** The expire_invite job. */
  expire(inviteId: string): Promise<void>;
}

export function createInvites(store: GuildStore, settings: InviteSettings): Invites {
  return {
    async invite(playerId, actorCharacterId, characterId) {
      await requireActor(store, playerId, actorCharacterId);
      if (characterId === actorCharacterId) throw selfTarget();
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.INVITE);
        const invited = await tx.character(characterId);
        if (invited === undefined || invited.deleted) throw characterNotFound(characterId);
        const membership = await tx.member(characterId);
        if (membership !== undefined) throw alreadyInGuild(characterId, membership.guildId);
        const pending = await tx.lockPendingInvite(guild.guildId, characterId);
        if (pending !== undefined && !pending.lapsed) return pending;
        if (pending !== undefined) await tx.publish([inviteExpired(await tx.closeInvite(pending.inviteId, "expired"))]);
        if ((await tx.memberCount(guild.guildId)) >= settings.maxMembers) throw guildFull(settings.maxMembers);
        if ((await tx.pendingInviteCount(guild.guildId)) >= settings.maxPendingInvites) throw tooManyPending("invites", settings.maxPendingInvites);
        const invite = await tx.insertInvite(guild.guildId, characterId, actorCharacterId, settings.inviteTtlSeconds);
        await tx.schedule([expireInviteJob(invite.inviteId, invite.expiresAt)]);
        await tx.publish([inviteSent(invite)]);
        return invite;
      });
    },

    async revoke(playerId, actorCharacterId, inviteId) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.INVITE);
        const invite = await tx.lockInvite(inviteId);
        if (invite === undefined || invite.guildId !== guild.guildId) throw inviteNotFound(inviteId);
        if (invite.state === "revoked") return invite;
        if (invite.state !== "pending" || invite.lapsed) throw inviteNotFound(inviteId);
        const revoked = await tx.closeInvite(inviteId, "revoked");
        await tx.publish([inviteRevoked(revoked, actorCharacterId)]);
        return revoked;
      });
    },

    async accept(playerId, actorCharacterId, inviteId) {
      const actor = await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        // Guild first, then the invite: the order every other change of the guild's invites takes them in.
        const unlocked = await tx.invite(inviteId);
        const guild = unlocked === undefined ? undefined : await tx.lockGuild(unlocked.guildId);
        const seen = await tx.lockInvite(inviteId);
        if (seen === undefined || guild === undefined || seen.characterId !== actorCharacterId) throw inviteNotFound(inviteId);
        if (seen.state === "accepted") {
          const member = await tx.member(actorCharacterId);
          if (member === undefined || member.guildId !== seen.guildId) throw inviteNotFound(inviteId);
          return { member, guild };
        }
        if (seen.state === "expired" || seen.lapsed) throw inviteExpiredRefusal(inviteId);
        if (seen.state !== "pending") throw inviteNotFound(inviteId);
        await tx.publish([inviteAccepted(await tx.closeInvite(inviteId, "accepted"))]);
        const member = await admit(tx, guild, actor, { method: "invite", inviteId, admittedBy: seen.invitedByCharacterId }, settings.maxMembers);
        return { member, guild: { ...guild, memberCount: await tx.memberCount(guild.guildId) } };
      });
    },

    async decline(playerId, actorCharacterId, inviteId) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const invite = await tx.lockInvite(inviteId);
        if (invite === undefined || invite.characterId !== actorCharacterId) throw inviteNotFound(inviteId);
        if (invite.state === "declined") return invite;
        if (invite.state === "expired" || invite.lapsed) throw inviteExpiredRefusal(inviteId);
        if (invite.state !== "pending") throw inviteNotFound(inviteId);
        const declined = await tx.closeInvite(inviteId, "declined");
        await tx.publish([inviteDeclined(declined)]);
        return declined;
      });
    },

    async ofActor(playerId, actorCharacterId, before, limit) {
      await requireActor(store, playerId, actorCharacterId);
      return store.invitesOfCharacter(actorCharacterId, before, limit);
    },

    async ofActorsGuild(playerId, actorCharacterId, before, limit) {
      await requireActor(store, playerId, actorCharacterId);
      const member = await store.member(actorCharacterId);
      if (member === undefined) throw notAMember();
      return store.invitesOfGuild(member.guildId, before, limit);
    },

    async expire(inviteId) {
      await store.transaction(async (tx) => {
        const invite = await tx.lockInvite(inviteId);
        if (invite === undefined || invite.state !== "pending") return;
        // Due by the database's clock, which also set expires_at; a run before it (another clock) tries again later.
        if (!invite.lapsed) throw new Error(`invite ${inviteId} is not due to expire yet`);
        await tx.publish([inviteExpired(await tx.closeInvite(inviteId, "expired"))]);
      });
    },
  };
}
