import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { Acquaintance, ChannelChange, ChannelKindName, ChannelRecord, CharacterRecord, MessageRecord, MuteRecord } from "./chat-records.js";

/** A channel a stream follows: where it stands now. */
export interface Subscription {
  readonly kind: ChannelKindName;
  readonly revision: bigint;
}

/** A new message, before the channel gives it a sequence and revision. */
export interface NewMessage {
  readonly messageId: string;
  readonly channelId: string;
  readonly senderCharacterId: string;
  readonly senderPlayerId: string;
  readonly senderName: string;
  readonly text: string;
  readonly textHash: string;
  readonly idempotencyKey: string;
}

/** Reads, outside or inside a transaction. */
export interface ChatReads {
  character(characterId: string): Promise<CharacterRecord | undefined>;
  channel(channelId: string): Promise<ChannelRecord | undefined>;
  /** The open channels the character is in: the world, its zone's, and those it is a member of. */
  channelsOf(characterId: string): Promise<ChannelRecord[]>;
  isMember(channel: ChannelRecord, characterId: string): Promise<boolean>;
  message(messageId: string): Promise<MessageRecord | undefined>;
  messageByKey(senderCharacterId: string, idempotencyKey: string): Promise<MessageRecord | undefined>;
  /** Messages before `beforeSequence` (all when undefined), newest first, leaving out senders in `hiddenSenders`. */
  history(channelId: string, beforeSequence: bigint | undefined, limit: number, hiddenSenders: readonly string[]): Promise<MessageRecord[]>;
  /** Changes of a channel after a revision, oldest first. */
  changesAfter(channelId: string, revision: bigint, limit: number): Promise<ChannelChange[]>;
  /** The mute in force for the player in the channel (or everywhere), the longest if several. */
  activeMute(playerId: string, channelId: string): Promise<MuteRecord | undefined>;
  /** Characters `characterId` blocked. */
  blockedBy(characterId: string): Promise<string[]>;
  /** Whether either character blocked the other. */
  blockedEitherWay(a: string, b: string): Promise<boolean>;
  /** The character's friends and guild mates (itself left out). */
  acquaintances(characterId: string): Promise<Acquaintance[]>;
  friends(characterId: string): Promise<Acquaintance[]>;
  /** Those of `characterIds` that `playerId` owns (alive). */
  ownedBy(playerId: string, characterIds: readonly string[]): Promise<string[]>;
  /** For every character given: its open channels, with their kinds and current revisions. */
  subscriptions(characterIds: readonly string[]): Promise<Map<string, Map<string, Subscription>>>;
}

/** Changes that commit together with their events. */
export interface ChatTransaction extends ChatReads {
  recordCharacter(character: { characterId: string; playerId: string; name: string; zoneId: string | undefined }): Promise<void>;
  moveCharacter(characterId: string, zoneId: string): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  /** The channel of a kind and scope, created (and returned with created = true) when missing. */
  ensureChannel(kind: ChannelKindName, scopeId: string, displayName: string): Promise<{ channel: ChannelRecord; created: boolean }>;
  createParty(channelId: string, displayName: string): Promise<ChannelRecord>;
  /** The channel, its row locked until commit: its counters move one transaction at a time. */
  lockChannel(channelId: string): Promise<ChannelRecord | undefined>;
  closeChannel(channelId: string): Promise<void>;
  addMember(channelId: string, characterId: string): Promise<void>;
  removeMember(channelId: string, characterId: string): Promise<void>;
  removeAllMembers(channelId: string): Promise<void>;
  memberCount(channelId: string): Promise<number>;
  invite(channelId: string, characterId: string, invitedBy: string): Promise<void>;
  /** Takes the invitation; false when there was none. */
  takeInvite(channelId: string, characterId: string): Promise<boolean>;
  /** Stores a message at the locked channel's next sequence and revision. */
  insertMessage(message: NewMessage): Promise<MessageRecord>;
  /** Empties a message's text at the locked channel's next revision. */
  deleteMessage(messageId: string, by: string, reason: string): Promise<MessageRecord>;
  mute(mute: { muteId: string; playerId: string; channelId: string | undefined; until: Date; reason: string; by: string }): Promise<void>;
  /** Records a report; false when the reporter already reported the message. */
  report(report: { reportId: string; messageId: string; reporterCharacterId: string; reason: string }): Promise<boolean>;
  block(characterId: string, blockedCharacterId: string): Promise<boolean>;
  unblock(characterId: string, blockedCharacterId: string): Promise<void>;
  addFriend(characterId: string, friendCharacterId: string): Promise<void>;
  removeFriend(characterId: string, friendCharacterId: string): Promise<void>;
  friendCount(characterId: string): Promise<number>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** Reads outside any transaction, and the way into one. */
export interface ChatStore extends ChatReads {
  transaction<T>(work: (tx: ChatTransaction) => Promise<T>): Promise<T>;
}
