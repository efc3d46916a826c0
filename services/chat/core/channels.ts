import { randomUUID } from "node:crypto";
import { requireActor, requireMembership } from "./actors.js";
import { channelCreated } from "./chat-events.js";
import type { ChannelRecord } from "./chat-records.js";
import type { ChatStore } from "./chat-store.js";
import type { LiveChanges } from "./live.js";
import { blocked, channelNotFound, characterNotFound, notAMember, notInvited, partyFull, selfTarget, wrongChannelKind } from "./refusals.js";

/** Limits of {@link createChannels}. */
export interface ChannelLimits {
  readonly maxPartyMembers: number;
}

/** Which channels a character is in, direct channels, and parties. */
export interface Channels {
  list(playerId: string, characterId: string): Promise<ChannelRecord[]>;
  openDirect(playerId: string, characterId: string, otherCharacterId: string): Promise<ChannelRecord>;
  createParty(playerId: string, characterId: string): Promise<ChannelRecord>;
  invite(playerId: string, characterId: string, channelId: string, inviteeCharacterId: string): Promise<void>;
  join(playerId: string, characterId: string, channelId: string): Promise<ChannelRecord>;
  leave(playerId: string, characterId: string, channelId: string): Promise<void>;
}

export function createChannels(store: ChatStore, live: LiveChanges, limits: ChannelLimits): Channels {
  const refresh = (ids: readonly string[]) => live.refresh(ids).catch(() => undefined);
  return {
    async list(playerId, characterId) {
      await requireActor(store, playerId, characterId);
      return store.channelsOf(characterId);
    },

    async openDirect(playerId, characterId, otherCharacterId) {
      const me = await requireActor(store, playerId, characterId);
      if (otherCharacterId === characterId) throw selfTarget("message");
      const other = await store.character(otherCharacterId);
      if (other === undefined || other.deleted) throw characterNotFound(otherCharacterId);
      if (await store.blockedEitherWay(characterId, otherCharacterId)) throw blocked();
      // One channel per pair, whoever opens it: the scope is the two ids in order.
      const [a, b] = [characterId, otherCharacterId].sort() as [string, string];
      const opened = await store.transaction(async (tx) => {
        const { channel, created } = await tx.ensureChannel("direct", `${a}:${b}`, [me.name, other.name].sort().join(" & "));
        if (created) {
          await tx.addMember(channel.channelId, a);
          await tx.addMember(channel.channelId, b);
          const full = (await tx.channel(channel.channelId))!;
          await tx.publish([channelCreated(full)]);
          return { channel: full, created };
        }
        return { channel, created };
      });
      if (opened.created) await refresh([a, b]);
      return opened.channel;
    },

    async createParty(playerId, characterId) {
      const me = await requireActor(store, playerId, characterId);
      const party = await store.transaction(async (tx) => {
        const channel = await tx.createParty(randomUUID(), `Party of ${me.name}`);
        await tx.addMember(channel.channelId, characterId);
        const full = (await tx.channel(channel.channelId))!;
        await tx.publish([channelCreated(full)]);
        return full;
      });
      await refresh([characterId]);
      return party;
    },

    async invite(playerId, characterId, channelId, inviteeCharacterId) {
      await requireActor(store, playerId, characterId);
      const party = await requireMembership(store, characterId, channelId);
      if (party.kind !== "party") throw wrongChannelKind(channelId, "party");
      if (inviteeCharacterId === characterId) throw selfTarget("invite");
      const invitee = await store.character(inviteeCharacterId);
      if (invitee === undefined || invitee.deleted) throw characterNotFound(inviteeCharacterId);
      if (await store.blockedEitherWay(characterId, inviteeCharacterId)) throw blocked();
      if (party.memberIds.length >= limits.maxPartyMembers) throw partyFull(limits.maxPartyMembers);
      await store.transaction((tx) => tx.invite(channelId, inviteeCharacterId, characterId));
    },

    async join(playerId, characterId, channelId) {
      await requireActor(store, playerId, characterId);
      const joined = await store.transaction(async (tx) => {
        // Locked: two invitees joining the last free place at once must not both get it.
        const party = await tx.lockChannel(channelId);
        if (party === undefined || party.closed) throw channelNotFound(channelId);
        if (party.kind !== "party") throw wrongChannelKind(channelId, "party");
        if (party.memberIds.includes(characterId)) return party;
        if (party.memberIds.length >= limits.maxPartyMembers) throw partyFull(limits.maxPartyMembers);
        if (!(await tx.takeInvite(channelId, characterId))) throw notInvited(channelId);
        await tx.addMember(channelId, characterId);
        return (await tx.channel(channelId))!;
      });
      await refresh([characterId]);
      return joined;
    },

    async leave(playerId, characterId, channelId) {
      await requireActor(store, playerId, characterId);
      await store.transaction(async (tx) => {
        const party = await tx.lockChannel(channelId);
        if (party === undefined || party.closed) throw channelNotFound(channelId);
        if (party.kind !== "party") throw wrongChannelKind(channelId, "party");
        if (!party.memberIds.includes(characterId)) throw notAMember(channelId);
        await tx.removeMember(channelId, characterId);
        if ((await tx.memberCount(channelId)) === 0) await tx.closeChannel(channelId);
      });
      await refresh([characterId]);
    },
  };
}
