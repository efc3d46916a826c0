import { createHash, randomUUID } from "node:crypto";
import { requireActor, requireMembership } from "./actors.js";
import { messagePosted } from "./chat-events.js";
import type { MessageRecord } from "./chat-records.js";
import type { ChatStore } from "./chat-store.js";
import type { LiveChanges, SpamGuard } from "./live.js";
import { idempotencyKeyReused, messageTooLong, muted } from "./refusals.js";
import type { WordFilter } from "./word-filter.js";

/** Limits of {@link createPosting}. */
export interface PostingLimits {
  /** Longest message in characters (code points). */
  readonly maxMessageLength: number;
}

/** What a post says. */
export interface PostRequest {
  readonly playerId: string;
  readonly characterId: string;
  readonly channelId: string;
  readonly text: string;
  readonly idempotencyKey: string;
}

/** A page of history, newest first. */
export interface HistoryPage {
  readonly messages: readonly MessageRecord[];
  readonly hasMore: boolean;
}

/** Posting messages and reading them back. */
export interface Posting {
  post(request: PostRequest): Promise<MessageRecord>;
  history(playerId: string, characterId: string, channelId: string, beforeSequence: bigint | undefined, pageSize: number): Promise<HistoryPage>;
}

/** A fingerprint of the text as written: repeats are found by it, and a retry's text is checked against it. */
const fingerprint = (text: string) => createHash("sha256").update(text.normalize("NFKC").trim().toLowerCase()).digest("base64url");

export function createPosting(store: ChatStore, deps: { live: LiveChanges; spam: SpamGuard; filter: WordFilter }, limits: PostingLimits): Posting {
  const sameRetry = (stored: MessageRecord, request: PostRequest, textHash: string) => {
    if (stored.channelId !== request.channelId || stored.textHash !== textHash) throw idempotencyKeyReused();
    return stored;
  };
  return {
    async post(request) {
      const actor = await requireActor(store, request.playerId, request.characterId);
      const textHash = fingerprint(request.text);
      // A retry is answered with what was stored before any limit is spent on it again.
      if (request.idempotencyKey !== "") {
        const stored = await store.messageByKey(request.characterId, request.idempotencyKey);
        if (stored !== undefined) return sameRetry(stored, request, textHash);
      }
      if ([...request.text].length > limits.maxMessageLength) throw messageTooLong(limits.maxMessageLength);
      const channel = await requireMembership(store, request.characterId, request.channelId);
      const mute = await store.activeMute(actor.playerId, channel.channelId);
      if (mute !== undefined) throw muted(mute.until);
      const text = deps.filter.apply(request.text);
      await deps.spam.admit(actor.playerId, textHash, request.idempotencyKey);
      const outcome = await store
        .transaction(async (tx) => {
          // Locked: the channel's counters move one post at a time, in commit order.
          await tx.lockChannel(channel.channelId);
          const message = await tx.insertMessage({
            messageId: randomUUID(),
            channelId: channel.channelId,
            senderCharacterId: actor.characterId,
            senderPlayerId: actor.playerId,
            senderName: actor.name,
            text,
            textHash,
            idempotencyKey: request.idempotencyKey,
          });
          await tx.publish([messagePosted(message)]);
          return message;
        })
        .catch(async (error: unknown) => {
          // Two retries raced: the other one stored it.
          if (request.idempotencyKey !== "" && (error as { code?: string }).code === "23505") {
            const stored = await store.messageByKey(request.characterId, request.idempotencyKey);
            if (stored !== undefined) return { retried: sameRetry(stored, request, textHash) };
          }
          throw error;
        });
      if ("retried" in outcome) return outcome.retried;
      await deps.live.changed({ kind: "posted", message: outcome, revision: outcome.revision }).catch(() => undefined);
      return outcome;
    },

    async history(playerId, characterId, channelId, beforeSequence, pageSize) {
      await requireActor(store, playerId, characterId);
      const channel = await requireMembership(store, characterId, channelId);
      // Blocks hide direct messages only: in shared channels a block would hide half of a conversation from one reader.
      const hidden = channel.kind === "direct" ? await store.blockedBy(characterId) : [];
      const found = await store.history(channelId, beforeSequence, pageSize + 1, hidden);
      return { messages: found.slice(0, pageSize), hasMore: found.length > pageSize };
    },
  };
}
