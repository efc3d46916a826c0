import { requireActor } from "./actors.js";
import type { Acquaintance } from "./chat-records.js";
import type { ChatStore } from "./chat-store.js";
import type { Presence } from "./live.js";
import { characterNotFound, selfTarget, tooManyFriends } from "./refusals.js";

/** A friend, with whether it is online. */
export interface FriendStatus extends Acquaintance {
  readonly online: boolean;
}

/** The friends list, and who of one's guild and friends is online. */
export interface Social {
  addFriend(playerId: string, characterId: string, friendCharacterId: string): Promise<void>;
  removeFriend(playerId: string, characterId: string, friendCharacterId: string): Promise<void>;
  friends(playerId: string, characterId: string): Promise<FriendStatus[]>;
  online(playerId: string, characterId: string): Promise<Acquaintance[]>;
}

export function createSocial(store: ChatStore, presence: Presence, limits: { readonly maxFriends: number }): Social {
  return {
    async addFriend(playerId, characterId, friendCharacterId) {
      await requireActor(store, playerId, characterId);
      if (friendCharacterId === characterId) throw selfTarget("befriend");
      const friend = await store.character(friendCharacterId);
      if (friend === undefined || friend.deleted) throw characterNotFound(friendCharacterId);
      await store.transaction(async (tx) => {
        if ((await tx.friends(characterId)).some((f) => f.characterId === friendCharacterId)) return;
        if ((await tx.friendCount(characterId)) >= limits.maxFriends) throw tooManyFriends(limits.maxFriends);
        await tx.addFriend(characterId, friendCharacterId);
      });
    },
    async removeFriend(playerId, characterId, friendCharacterId) {
      await requireActor(store, playerId, characterId);
      await store.transaction((tx) => tx.removeFriend(characterId, friendCharacterId));
    },
    async friends(playerId, characterId) {
      await requireActor(store, playerId, characterId);
      const friends = await store.friends(characterId);
      const online = await presence.online(friends.map((f) => f.characterId));
      return friends.map((f) => ({ ...f, online: online.has(f.characterId) }));
    },
    async online(playerId, characterId) {
      await requireActor(store, playerId, characterId);
      const known = await store.acquaintances(characterId);
      const online = await presence.online(known.map((k) => k.characterId));
      return known.filter((k) => online.has(k.characterId));
    },
  };
}
