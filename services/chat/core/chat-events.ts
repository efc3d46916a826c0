import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ChannelCreatedSchema,
  MessageDeletedSchema,
  MessagePostedSchema,
  MessageReportedSchema,
  PlayerBlockedSchema,
  PlayerMutedSchema,
} from "@chaos/gen/chaos/chat/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import { toChannel, toChatMessage } from "./chat-message.js";
import type { ChannelRecord, MessageRecord } from "./chat-records.js";

/** Chat's events go to chaos.chat.v1.messages, keyed by channel, so one channel's events stay in order. */
function chatEvent<Desc extends DescMessage>(key: string, schema: Desc, init: MessageInitShape<Desc>): OutgoingEvent {
  return { topic: topicName("chat", "messages"), aggregateId: key, schema, message: create(schema, init) };
}

export const channelCreated = (channel: ChannelRecord) => chatEvent(channel.channelId, ChannelCreatedSchema, { channel: toChannel(channel) });

export const messagePosted = (message: MessageRecord) => chatEvent(message.channelId, MessagePostedSchema, { message: toChatMessage(message) });

export function messageDeleted(message: MessageRecord, by: string, reason: string, at: Date): OutgoingEvent {
  return chatEvent(message.channelId, MessageDeletedSchema, {
    messageId: message.messageId,
    channelId: message.channelId,
    reason,
    deleteTime: timestampFromDate(at),
    deletedByAccountId: by,
    sequence: message.sequence,
  });
}

export function messageReported(reportId: string, message: MessageRecord, reporterCharacterId: string, reason: string, at: Date): OutgoingEvent {
  // The text as it was, even when a moderator deleted it meanwhile: what was reported is the evidence.
  const reported = { ...toChatMessage(message), text: message.text };
  return chatEvent(message.channelId, MessageReportedSchema, {
    reportId,
    message: reported,
    reporterCharacterId,
    reason,
    reportTime: timestampFromDate(at),
    senderPlayerId: message.senderPlayerId,
  });
}

export function playerMuted(m: { characterId: string; playerId: string; channelId: string | undefined; until: Date; reason: string; by: string }): OutgoingEvent {
  return chatEvent(m.channelId ?? m.playerId, PlayerMutedSchema, {
    channelId: m.channelId ?? "",
    characterId: m.characterId,
    playerId: m.playerId,
    untilTime: timestampFromDate(m.until),
    reason: m.reason,
    mutedByAccountId: m.by,
  });
}

export const playerBlocked = (characterId: string, blockedCharacterId: string, at: Date) =>
  chatEvent(characterId, PlayerBlockedSchema, { characterId, blockedCharacterId, blockTime: timestampFromDate(at) });
