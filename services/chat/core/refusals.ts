import { ErrorReason } from "@chaos/gen/chaos/chat/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";

// Every refusal of chat, in one place: the message a player reads and the metadata a client branches on.

export const notCharacterOwner = (characterId: string) =>
  new DomainError(ErrorReason.NOT_CHARACTER_OWNER, `character ${characterId} is not one of yours`, { character_id: characterId });
export const characterNotFound = (characterId: string) =>
  new DomainError(ErrorReason.CHARACTER_NOT_FOUND, `no character ${characterId}`, { character_id: characterId });
export const channelNotFound = (channelId: string) => new DomainError(ErrorReason.CHANNEL_NOT_FOUND, `no channel ${channelId}`, { channel_id: channelId });
export const notAMember = (channelId: string) =>
  new DomainError(ErrorReason.NOT_A_MEMBER, `your character is not in channel ${channelId}`, { channel_id: channelId });
export const messageNotFound = (messageId: string) => new DomainError(ErrorReason.MESSAGE_NOT_FOUND, `no message ${messageId}`, { message_id: messageId });
export const notAModerator = () => new DomainError(ErrorReason.NOT_A_MODERATOR, "only moderators may do this");
export const muted = (until: Date) =>
  new DomainError(ErrorReason.MUTED, `you are muted here until ${until.toISOString()}`, { until: until.toISOString() }, { retryAfterMs: Math.max(1, until.getTime() - Date.now()) });
export const messageTooLong = (maxLength: number) =>
  new DomainError(ErrorReason.MESSAGE_TOO_LONG, `a message may have at most ${maxLength} characters`, { max_length: String(maxLength) });
export const rateLimited = (retryAfterMs: number) =>
  new DomainError(ErrorReason.RATE_LIMITED, "you are posting too fast; wait a moment", { limit: "posts" }, { retryAfterMs });
export const duplicateMessage = (retryAfterMs: number) =>
  new DomainError(ErrorReason.DUPLICATE_MESSAGE, "you just posted the same text; say something new", {}, { retryAfterMs });
export const blocked = () => new DomainError(ErrorReason.BLOCKED, "one of you blocked the other");
export const selfTarget = (what: string) => new DomainError(ErrorReason.SELF_TARGET, `a character cannot ${what} itself`);
export const wrongChannelKind = (channelId: string, needed: string) =>
  new DomainError(ErrorReason.WRONG_CHANNEL_KIND, `channel ${channelId} is not a ${needed} channel`, { channel_id: channelId, needed });
export const partyFull = (max: number) => new DomainError(ErrorReason.PARTY_FULL, `a party has at most ${max} members`, { max_members: String(max) });
export const notInvited = (channelId: string) =>
  new DomainError(ErrorReason.NOT_INVITED, `your character has no invitation to party ${channelId}`, { channel_id: channelId });
export const tooManyStreams = (max: number, retryAfterMs: number) =>
  new DomainError(ErrorReason.TOO_MANY_STREAMS, `a player may have at most ${max} message streams open; close one first`, { max_streams: String(max) }, { retryAfterMs });
export const tooManyFriends = (max: number) =>
  new DomainError(ErrorReason.TOO_MANY_FRIENDS, `a friends list holds at most ${max} characters`, { max_friends: String(max) });
export const idempotencyKeyReused = () =>
  new DomainError(ErrorReason.IDEMPOTENCY_KEY_REUSED, "this idempotency key was used for another message; use a new key");
export const textRefused = () => new DomainError(ErrorReason.TEXT_REFUSED, "the message contains words that are not allowed");
