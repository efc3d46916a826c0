/** A channel's kind, as stored. */
export type ChannelKindName = "world" | "zone" | "guild" | "party" | "direct";

/** A character as chat knows it from player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
  readonly zoneId: string | undefined;
  readonly deleted: boolean;
}

export interface ChannelRecord {
  readonly channelId: string;
  readonly kind: ChannelKindName;
  readonly scopeId: string;
  readonly displayName: string;
  readonly createdAt: Date;
  readonly closed: boolean;
  readonly lastSequence: bigint;
  readonly revision: bigint;
  /** Party and direct channels: who is in it. Empty for the others. */
  readonly memberIds: readonly string[];
}

export interface MessageRecord {
  readonly messageId: string;
  readonly channelId: string;
  readonly sequence: bigint;
  /** The channel's revision at this message's last change. */
  readonly revision: bigint;
  readonly senderCharacterId: string;
  readonly senderPlayerId: string;
  readonly senderName: string;
  readonly text: string;
  readonly textHash: string;
  readonly idempotencyKey: string;
  readonly sentAt: Date;
  readonly deletedAt: Date | undefined;
}

/** A change of a channel as a stream delivers it. */
export interface ChannelChange {
  readonly kind: "posted" | "deleted";
  readonly message: MessageRecord;
  readonly revision: bigint;
}

export interface MuteRecord {
  readonly playerId: string;
  readonly channelId: string | undefined;
  readonly until: Date;
}

/** A character on a friends list or in a guild, for presence. */
export interface Acquaintance {
  readonly characterId: string;
  readonly name: string;
  readonly guildMember: boolean;
  readonly friend: boolean;
}
