import type { ChannelRecord, CharacterRecord } from "./chat-records.js";
import type { ChatReads } from "./chat-store.js";
import { channelNotFound, notAMember, notCharacterOwner } from "./refusals.js";

/**
 * The acting character, checked to be the caller's and alive. One refusal
 * for someone else's character and for one not known (yet): a caller learns
 * nothing about characters that are not theirs.
 */
export async function requireActor(reads: ChatReads, playerId: string, characterId: string): Promise<CharacterRecord> {
  const character = await reads.character(characterId);
  if (character === undefined || character.deleted || character.playerId !== playerId) throw notCharacterOwner(characterId);
  return character;
}

/** The channel, with the character in it. A closed channel is not found: nobody is in it any more. */
export async function requireMembership(reads: ChatReads, characterId: string, channelId: string): Promise<ChannelRecord> {
  const channel = await reads.channel(channelId);
  if (channel === undefined || channel.closed) throw channelNotFound(channelId);
  if (!(await reads.isMember(channel, characterId))) throw notAMember(channelId);
  return channel;
}
