import { beginDisbanding } from "./disbanding.js";
import { leadershipTransferred, memberLeft } from "./guild-events.js";
import type { GuildTransaction } from "./guild-store.js";

/**
 * Keeps guild's view of characters (owner, name, deletion) from player's
 * events, inside the consumer's inbox transaction, so each event has its
 * effect once. A deleted character leaves its guild; a deleted leader hands
 * the guild to the highest-ranked member (the earliest to join among equals),
 * or, when nobody else is in it, the guild is disbanded (its bank then has
 * no live leader to go to and stays in its ledger account).
 */
export interface CharacterFeed {
  created(tx: GuildTransaction, characterId: string, playerId: string, name: string): Promise<void>;
  deleted(tx: GuildTransaction, characterId: string): Promise<void>;
}

export function createCharacterFeed(settings: { readonly settleAfterMs: number }): CharacterFeed {
  return {
    async created(tx, characterId, playerId, name) {
      await tx.recordCharacter(characterId, playerId, name);
    },
    async deleted(tx, characterId) {
      if (!(await tx.markCharacterDeleted(characterId))) return;
      await tx.withdrawJoinRequestsOf(characterId);
      const seen = await tx.member(characterId);
      if (seen === undefined) return;
      const guild = await tx.lockGuild(seen.guildId);
      const member = await tx.lockMember(characterId);
      // A founding guild is settled by its own job (which sees the deletion); a disbanding one ends with everyone out anyway.
      if (guild === undefined || member === undefined || guild.state !== "active") return;
      const at = new Date();
      if (member.role.kind !== "leader") {
        await tx.removeMember(characterId);
        await tx.publish([memberLeft(member, "character_deleted", at)]);
        return;
      }
      const successor = await tx.successor(guild.guildId, characterId);
      if (successor === undefined) {
        await beginDisbanding(tx, guild.guildId, new Date(Date.now() + settings.settleAfterMs));
        return;
      }
      await tx.setMemberRole(successor.characterId, member.role.roleId);
      await tx.setLeader(guild.guildId, successor.characterId);
      await tx.removeMember(characterId);
      await tx.publish([
        memberLeft(member, "character_deleted", at),
        leadershipTransferred(guild.guildId, { formerLeader: characterId, newLeader: successor.characterId, reason: "leader_deleted", formerLeaderRoleId: "" }, at),
      ]);
    },
  };
}
