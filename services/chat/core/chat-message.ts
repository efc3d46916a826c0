import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ChannelKind, ChannelSchema, ChatMessageSchema, type Channel, type ChatMessage } from "@chaos/gen/chaos/chat/v1/channel_pb.js";
import type { ChannelKindName, ChannelRecord, MessageRecord } from "./chat-records.js";

const kinds: Record<ChannelKindName, ChannelKind> = {
  world: ChannelKind.WORLD,
  zone: ChannelKind.ZONE,
  guild: ChannelKind.GUILD,
  party: ChannelKind.PARTY,
  direct: ChannelKind.DIRECT,
};

/** The channel as the contract shows it; a direct channel is named after the other character (for `viewerName`'s reader). */
export function toChannel(channel: ChannelRecord, displayName = channel.displayName): Channel {
  return create(ChannelSchema, {
    channelId: channel.channelId,
    kind: kinds[channel.kind],
    displayName,
    // A direct channel's scope is chat's own key (the two ids); the members say who is in it.
    scopeId: channel.kind === "zone" || channel.kind === "guild" ? channel.scopeId : "",
    createTime: timestampFromDate(channel.createdAt),
    memberCharacterIds: [...channel.memberIds],
  });
}

export function toChatMessage(message: MessageRecord): ChatMessage {
  return create(ChatMessageSchema, {
    messageId: message.messageId,
    channelId: message.channelId,
    senderCharacterId: message.senderCharacterId,
    senderName: message.senderName,
    text: message.deletedAt === undefined ? message.text : "",
    sequence: message.sequence,
    sendTime: timestampFromDate(message.sentAt),
    deleted: message.deletedAt !== undefined,
  });
}
