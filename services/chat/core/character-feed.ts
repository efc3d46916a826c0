import { channelCreated } from "./chat-events.js";
import type { ChatTransaction } from "./chat-store.js";

/**
 * Keeps chat's view of characters and guilds from player's and guild's
 * events, inside the consumer's inbox transaction (each event has its effect
 * once): owners and names, the zone a character stands in (its zone
 * channel), and guild channels with their members. Open streams pick up
 * the changed channels with their next sweep.
 */
export interface CharacterFeed {
  created(tx: ChatTransaction, c: { characterId: string; playerId: string; name: string; zoneId: string | undefined }): Promise<void>;
  moved(tx: ChatTransaction, characterId: string, zoneId: string): Promise<void>;
  deleted(tx: ChatTransaction, characterId: string): Promise<void>;
  guildCreated(tx: ChatTransaction, guildId: string, name: string, leaderCharacterId: string): Promise<void>;
  memberJoined(tx: ChatTransaction, guildId: string, guildName: string, characterId: string): Promise<void>;
  memberGone(tx: ChatTransaction, guildId: string, characterId: string): Promise<void>;
  guildDisbanded(tx: ChatTransaction, guildId: string): Promise<void>;
}

export function createCharacterFeed(): CharacterFeed {
  const zoneChannel = async (tx: ChatTransaction, zoneId: string) => {
    const { channel, created } = await tx.ensureChannel("zone", zoneId, zoneId);
    if (created) await tx.publish([channelCreated(channel)]);
  };
  const guildChannel = async (tx: ChatTransaction, guildId: string, name: string) => {
    const { channel, created } = await tx.ensureChannel("guild", guildId, name);
    if (created) await tx.publish([channelCreated(channel)]);
    return channel;
  };
  return {
    async created(tx, c) {
      await tx.recordCharacter(c);
      if (c.zoneId !== undefined) await zoneChannel(tx, c.zoneId);
    },
    async moved(tx, characterId, zoneId) {
      await tx.moveCharacter(characterId, zoneId);
      await zoneChannel(tx, zoneId);
    },
    async deleted(tx, characterId) {
      await tx.markCharacterDeleted(characterId);
    },
    async guildCreated(tx, guildId, name, leaderCharacterId) {
      const channel = await guildChannel(tx, guildId, name);
      await tx.addMember(channel.channelId, leaderCharacterId);
    },
    async memberJoined(tx, guildId, guildName, characterId) {
      const channel = await guildChannel(tx, guildId, guildName);
      await tx.addMember(channel.channelId, characterId);
    },
    async memberGone(tx, guildId, characterId) {
      const { channel } = await tx.ensureChannel("guild", guildId, guildId);
      await tx.removeMember(channel.channelId, characterId);
    },
    async guildDisbanded(tx, guildId) {
      const { channel } = await tx.ensureChannel("guild", guildId, guildId);
      await tx.removeAllMembers(channel.channelId);
      await tx.closeChannel(channel.channelId);
    },
  };
}
