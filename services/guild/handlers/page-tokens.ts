import { decodePageToken, encodePageToken } from "@chaos/mesh/server";
import type { GuildCursor, MemberCursor } from "../core/guild-store.js";

// The page tokens of guild's listings: each scoped to its listing (a search,
// a guild, a character), so a token cannot be replayed against another.

const isSeq = (cursor: unknown): cursor is string => typeof cursor === "string" && /^\d{1,19}$/.test(cursor);

const isGuildCursor = (cursor: unknown): cursor is GuildCursor =>
  typeof cursor === "object" && cursor !== null && typeof (cursor as GuildCursor).name === "string" && typeof (cursor as GuildCursor).guildId === "string";

const isMemberCursor = (cursor: unknown): cursor is MemberCursor =>
  typeof cursor === "object" && cursor !== null && Number.isInteger((cursor as MemberCursor).rank) && isSeq((cursor as MemberCursor).seq);

/** Encodes the cursor of a next page, or "" when there is none. */
function tokenOf(scope: string, cursor: unknown): string {
  return cursor === undefined ? "" : encodePageToken(scope, cursor);
}

export const guildSearchTokens = {
  encode: (query: string, cursor: GuildCursor | undefined) => tokenOf(`guilds:${query.toLowerCase()}`, cursor),
  decode: (query: string, token: string) => decodePageToken(`guilds:${query.toLowerCase()}`, token, isGuildCursor),
};

export const memberTokens = {
  encode: (guildId: string, cursor: MemberCursor | undefined) => tokenOf(`members:${guildId}`, cursor),
  decode: (guildId: string, token: string) => decodePageToken(`members:${guildId}`, token, isMemberCursor),
};

/** Listings paged by a row sequence: invites of a character or a guild, join requests of a guild. */
export function seqTokens(listing: "my-invites" | "guild-invites" | "join-requests") {
  return {
    encode: (actorCharacterId: string, cursor: string | undefined) => tokenOf(`${listing}:${actorCharacterId}`, cursor),
    decode: (actorCharacterId: string, token: string) => decodePageToken(`${listing}:${actorCharacterId}`, token, isSeq),
  };
}

/** The bank's history pages with inventory's own token, wrapped so it is scoped to the actor asking. */
export const bankTokens = {
  encode: (actorCharacterId: string, inventoryToken: string) => (inventoryToken === "" ? "" : encodePageToken(`bank:${actorCharacterId}`, inventoryToken)),
  decode: (actorCharacterId: string, token: string) => decodePageToken(`bank:${actorCharacterId}`, token, (c): c is string => typeof c === "string") ?? "",
};
