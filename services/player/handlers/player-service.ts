import type { ServiceImpl } from "@connectrpc/connect";
import type { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { isAdmin, requirePrincipal, type Principal } from "@chaos/mesh/server";
import type { Roster } from "../core/roster.js";
import { toCharacterMessage } from "./character-message.js";
import { decodeZonePageToken, encodeZonePageToken } from "./page-token.js";

/** Who reads a character on the public face (see toCharacterMessage: the owner's id is theirs and admins' to see). */
const viewerOf = (principal: Principal) => ({ subject: principal.subject, admin: isAdmin(principal) });

/** Zone listings without a page size get this many characters per page. */
const defaultPageSize = 50;

/**
 * The public API: an authenticated player creates, moves and deletes their
 * own characters (the token's subject is the player id); any authenticated
 * player may look at any character, stats being public in the world.
 */
export function createPlayerHandlers(roster: Roster): ServiceImpl<typeof PlayerService> {
  return {
    async createCharacter(request, context) {
      const { subject } = requirePrincipal(context);
      return { character: toCharacterMessage(await roster.create(subject, request.name, request.characterClass)) };
    },
    async getCharacter(request, context) {
      const viewer = viewerOf(requirePrincipal(context));
      return { character: toCharacterMessage(await roster.get(request.characterId), viewer) };
    },
    async listMyCharacters(_request, context) {
      const { subject } = requirePrincipal(context);
      return { characters: (await roster.listMine(subject)).map((character) => toCharacterMessage(character)) };
    },
    async listCharactersInZone(request, context) {
      const viewer = viewerOf(requirePrincipal(context));
      const pageSize = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const after = decodeZonePageToken(request.zoneId, request.pageToken);
      const rows = await roster.listInZone(request.zoneId, after, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return {
        characters: page.map((character) => toCharacterMessage(character, viewer)),
        nextPageToken: rows.length > pageSize && last !== undefined ? encodeZonePageToken(request.zoneId, last.name) : "",
      };
    },
    async moveCharacter(request, context) {
      const { subject } = requirePrincipal(context);
      // protovalidate guarantees the position is present.
      const { zoneId, x, y, z } = request.position!;
      return { character: toCharacterMessage(await roster.move(subject, request.characterId, { zoneId, x, y, z })) };
    },
    async deleteCharacter(request, context) {
      const { subject } = requirePrincipal(context);
      await roster.remove(subject, request.characterId);
      return {};
    },
  };
}
