import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { StreamItemKind, StreamMessagesResponseSchema, type ChatService, type StreamMessagesResponse } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { requirePrincipal } from "@chaos/mesh/server";
import { requireActor } from "../core/actors.js";
import { toChannel, toChatMessage } from "../core/chat-message.js";
import type { ChannelChange } from "../core/chat-records.js";
import type { ChatReads } from "../core/chat-store.js";
import type { Channels } from "../core/channels.js";
import { StreamFellBehind, type MessageStreams } from "../core/message-streams.js";
import type { Moderation } from "../core/moderation.js";
import type { Posting } from "../core/posting.js";
import type { Social } from "../core/social.js";

/** History pages without a size get this many messages. */
const defaultPageSize = 50;

/** What the handlers drive. */
export interface ChatFlows {
  readonly reads: ChatReads;
  readonly channels: Channels;
  readonly posting: Posting;
  readonly streams: MessageStreams;
  readonly moderation: Moderation;
  readonly social: Social;
}

/** The public API: an authenticated player acts through their own characters (token subject = player id). */
export function createChatHandlers(flows: ChatFlows): ServiceImpl<typeof ChatService> {
  // One live change goes to every stream of the replica as the same object: its answer is built once.
  const answers = new WeakMap<ChannelChange, StreamMessagesResponse>();
  const answerOf = (change: ChannelChange) => {
    let answer = answers.get(change);
    if (answer === undefined) {
      answer = create(StreamMessagesResponseSchema, {
        kind: change.kind === "posted" ? StreamItemKind.POSTED : StreamItemKind.DELETED,
        message: toChatMessage(change.message),
        revision: change.revision,
      });
      answers.set(change, answer);
    }
    return answer;
  };
  const live = create(StreamMessagesResponseSchema, { kind: StreamItemKind.LIVE });
  const player = (context: Parameters<typeof requirePrincipal>[0]) => requirePrincipal(context).subject;
  return {
    async listChannels(request, context) {
      return { channels: (await flows.channels.list(player(context), request.characterId)).map((c) => toChannel(c)) };
    },
    async openDirectChannel(request, context) {
      return { channel: toChannel(await flows.channels.openDirect(player(context), request.characterId, request.otherCharacterId)) };
    },
    async createParty(request, context) {
      return { channel: toChannel(await flows.channels.createParty(player(context), request.characterId)) };
    },
    async inviteToParty(request, context) {
      await flows.channels.invite(player(context), request.characterId, request.channelId, request.inviteeCharacterId);
      return {};
    },
    async joinParty(request, context) {
      return { channel: toChannel(await flows.channels.join(player(context), request.characterId, request.channelId)) };
    },
    async leaveParty(request, context) {
      await flows.channels.leave(player(context), request.characterId, request.channelId);
      return {};
    },
    async postMessage(request, context) {
      const message = await flows.posting.post({
        playerId: player(context),
        characterId: request.characterId,
        channelId: request.channelId,
        text: request.text,
        idempotencyKey: request.idempotencyKey,
      });
      return { message: toChatMessage(message) };
    },
    async listMessages(request, context) {
      const page = await flows.posting.history(
        player(context),
        request.characterId,
        request.channelId,
        request.beforeSequence === 0n ? undefined : request.beforeSequence,
        request.pageSize === 0 ? defaultPageSize : request.pageSize,
      );
      return { messages: page.messages.map(toChatMessage), hasMore: page.hasMore };
    },
    async *streamMessages(request, context) {
      const principal = requirePrincipal(context);
      await requireActor(flows.reads, principal.subject, request.characterId);
      const after = new Map(Object.entries(request.afterRevision));
      // The stream ends when the access token expires: the client re-opens it with a fresh one and its revisions.
      const ends = AbortSignal.any([context.signal, AbortSignal.timeout(Math.max(0, principal.expiresAt.getTime() - Date.now()))]);
      try {
        for await (const item of flows.streams.open(principal.subject, request.characterId, after, ends)) yield item.kind === "live" ? live : answerOf(item);
      } catch (error) {
        if (error instanceof StreamFellBehind) throw new ConnectError(error.message, Code.Unavailable);
        throw error;
      }
    },
    async deleteMessage(request, context) {
      return { message: toChatMessage(await flows.moderation.deleteMessage(requirePrincipal(context), request.messageId, request.reason)) };
    },
    async mutePlayer(request, context) {
      const until = await flows.moderation.mute(requirePrincipal(context), {
        characterId: request.characterId,
        channelId: request.channelId === "" ? undefined : request.channelId,
        durationMs: durationMs(request.duration!),
        reason: request.reason,
      });
      return { untilTime: timestampFromDate(until) };
    },
    async reportMessage(request, context) {
      return { reportId: await flows.moderation.report(player(context), request.characterId, request.messageId, request.reason) };
    },
    async blockPlayer(request, context) {
      await flows.moderation.block(player(context), request.characterId, request.blockedCharacterId);
      return {};
    },
    async unblockPlayer(request, context) {
      await flows.moderation.unblock(player(context), request.characterId, request.blockedCharacterId);
      return {};
    },
    async addFriend(request, context) {
      await flows.social.addFriend(player(context), request.characterId, request.friendCharacterId);
      return {};
    },
    async removeFriend(request, context) {
      await flows.social.removeFriend(player(context), request.characterId, request.friendCharacterId);
      return {};
    },
    async listFriends(request, context) {
      const friends = await flows.social.friends(player(context), request.characterId);
      return { friends: friends.map((f) => ({ characterId: f.characterId, name: f.name, online: f.online })) };
    },
    async listOnline(request, context) {
      const online = await flows.social.online(player(context), request.characterId);
      return { characters: online.map((c) => ({ characterId: c.characterId, name: c.name, guildMember: c.guildMember, friend: c.friend })) };
    },
  };
}
