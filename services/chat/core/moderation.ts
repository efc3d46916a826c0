import { randomUUID } from "node:crypto";
import { isAdmin, type Principal } from "@chaos/mesh/domain";
import { requireActor, requireMembership } from "./actors.js";
import { messageDeleted, messageReported, playerBlocked, playerMuted } from "./chat-events.js";
import type { MessageRecord } from "./chat-records.js";
import type { ChatStore } from "./chat-store.js";
import type { LiveChanges } from "./live.js";
import { channelNotFound, characterNotFound, messageNotFound, notAModerator, selfTarget } from "./refusals.js";

/** A moderator is an admin (an admin principal, or the "admin" role), or an account with the "moderator" role. */
export function isModerator(principal: Pick<Principal, "kind" | "roles">): boolean {
  return isAdmin(principal) || principal.roles.includes("moderator");
}

/** Moderators' tools, and what every player may do about others: report, block. */
export interface Moderation {
  deleteMessage(moderator: Principal, messageId: string, reason: string): Promise<MessageRecord>;
  mute(moderator: Principal, request: { characterId: string; channelId: string | undefined; durationMs: number; reason: string }): Promise<Date>;
  report(playerId: string, characterId: string, messageId: string, reason: string): Promise<string>;
  block(playerId: string, characterId: string, blockedCharacterId: string): Promise<void>;
  unblock(playerId: string, characterId: string, blockedCharacterId: string): Promise<void>;
}

export function createModeration(store: ChatStore, live: LiveChanges): Moderation {
  const requireModerator = (principal: Principal) => {
    if (!isModerator(principal)) throw notAModerator();
  };
  return {
    async deleteMessage(moderator, messageId, reason) {
      requireModerator(moderator);
      const outcome = await store.transaction(async (tx) => {
        const seen = await tx.message(messageId);
        if (seen === undefined) throw messageNotFound(messageId);
        await tx.lockChannel(seen.channelId);
        const current = (await tx.message(messageId))!;
        // Deleting twice changes nothing and tells nobody again.
        if (current.deletedAt !== undefined) return { message: current, changed: false };
        const deleted = await tx.deleteMessage(messageId, moderator.subject, reason);
        await tx.publish([messageDeleted(deleted, moderator.subject, reason, deleted.deletedAt ?? new Date())]);
        return { message: deleted, changed: true };
      });
      if (outcome.changed) await live.changed({ kind: "deleted", message: outcome.message, revision: outcome.message.revision }).catch(() => undefined);
      return outcome.message;
    },

    async mute(moderator, request) {
      requireModerator(moderator);
      const target = await store.character(request.characterId);
      if (target === undefined) throw characterNotFound(request.characterId);
      if (request.channelId !== undefined) {
        const channel = await store.channel(request.channelId);
        if (channel === undefined) throw channelNotFound(request.channelId);
      }
      const until = new Date(Date.now() + request.durationMs);
      const mute = { characterId: target.characterId, playerId: target.playerId, channelId: request.channelId, until, reason: request.reason, by: moderator.subject };
      await store.transaction(async (tx) => {
        await tx.mute({ muteId: randomUUID(), ...mute });
        await tx.publish([playerMuted(mute)]);
      });
      return until;
    },

    async report(playerId, characterId, messageId, reason) {
      await requireActor(store, playerId, characterId);
      const message = await store.message(messageId);
      if (message === undefined) throw messageNotFound(messageId);
      // Only who could read it may report it; anyone else learns nothing of the message.
      await requireMembership(store, characterId, message.channelId).catch(() => {
        throw messageNotFound(messageId);
      });
      const reportId = randomUUID();
      await store.transaction(async (tx) => {
        if (await tx.report({ reportId, messageId, reporterCharacterId: characterId, reason })) {
          await tx.publish([messageReported(reportId, message, characterId, reason, new Date())]);
        }
      });
      return reportId;
    },

    async block(playerId, characterId, blockedCharacterId) {
      await requireActor(store, playerId, characterId);
      if (blockedCharacterId === characterId) throw selfTarget("block");
      const other = await store.character(blockedCharacterId);
      if (other === undefined) throw characterNotFound(blockedCharacterId);
      await store.transaction(async (tx) => {
        if (await tx.block(characterId, blockedCharacterId)) await tx.publish([playerBlocked(characterId, blockedCharacterId, new Date())]);
      });
      await live.refresh([characterId]).catch(() => undefined);
    },

    async unblock(playerId, characterId, blockedCharacterId) {
      await requireActor(store, playerId, characterId);
      await store.transaction((tx) => tx.unblock(characterId, blockedCharacterId));
      await live.refresh([characterId]).catch(() => undefined);
    },
  };
}
