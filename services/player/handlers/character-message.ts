import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CharacterSchema, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { CharacterRecord } from "../core/character.js";
import { statsAt } from "../core/class-stats.js";

/** The contract's Character of a record: stats at its level; mana is the maximum (combat owns current mana). */
export function toCharacterMessage(character: CharacterRecord): Character {
  const stats = statsAt(character);
  return create(CharacterSchema, {
    characterId: character.characterId,
    playerId: character.playerId,
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
