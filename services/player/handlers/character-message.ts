import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CharacterSchema, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { CharacterRecord } from "../core/character.js";
import { statsAt } from "../core/class-stats.js";

/**
 * The contract's Character of a record: stats at its level; mana is the
 * maximum (combat owns current mana). `viewer` is the player who reads it on
 * the public face: the owner's account id is shown to the owner and to admins
 * only, since anyone may look at any character and an account id is a handle
 * for enumeration and targeted attacks on the account. Internal callers (no
 * viewer) get it always.
 */
export function toCharacterMessage(character: CharacterRecord, viewer?: { readonly subject: string; readonly admin: boolean }): Character {
  const stats = statsAt(character);
  const showOwner = viewer === undefined || viewer.admin || viewer.subject === character.playerId;
  return create(CharacterSchema, {
    characterId: character.characterId,
    playerId: showOwner ? character.playerId : "",
    name: character.name,
    characterClass: character.characterClass,
    kind: character.kind,
    stats: {
      health: character.health,
      maxHealth: stats.maxHealth,
      mana: stats.maxMana,
      maxMana: stats.maxMana,
      level: character.level,
      power: stats.power,
      fireResistance: stats.fireResistance,
      frostResistance: stats.frostResistance,
      arcaneResistance: stats.arcaneResistance,
    },
    position: character.position,
    defeated: character.health === 0,
    createTime: timestampFromDate(character.createdAt),
  });
}
