import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { PositionSchema } from "@chaos/gen/chaos/player/v1/character_pb.js";
import {
  CharacterCreatedSchema,
  CharacterDeletedSchema,
  CharacterHealthChangedSchema,
  CharacterLevelChangedSchema,
  CharacterMovedSchema,
} from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { CharacterRecord, WorldPosition } from "./character.js";

/** Every player event goes to chaos.player.v1.characters, keyed by character id (the aggregate). */
function characterEvent<Desc extends DescMessage>(characterId: string, schema: Desc, message: MessageShape<Desc>): OutgoingEvent {
  return { topic: topicName("player", "characters"), aggregateId: characterId, schema, message };
}

const position = (p: WorldPosition) => create(PositionSchema, { zoneId: p.zoneId, x: p.x, y: p.y, z: p.z });

export function characterCreated(character: CharacterRecord): OutgoingEvent {
  const message = create(CharacterCreatedSchema, {
    characterId: character.characterId,
    playerId: character.playerId,
    name: character.name,
    characterClass: character.characterClass,
    createTime: timestampFromDate(character.createdAt),
    position: position(character.position),
  });
  return characterEvent(character.characterId, CharacterCreatedSchema, message);
}

export function characterDeleted(character: CharacterRecord, at: Date): OutgoingEvent {
  const message = create(CharacterDeletedSchema, { characterId: character.characterId, playerId: character.playerId, deleteTime: timestampFromDate(at) });
  return characterEvent(character.characterId, CharacterDeletedSchema, message);
}

export function characterMoved(characterId: string, from: WorldPosition, to: WorldPosition, at: Date): OutgoingEvent {
  const message = create(CharacterMovedSchema, { characterId, from: position(from), to: position(to), moveTime: timestampFromDate(at) });
  return characterEvent(characterId, CharacterMovedSchema, message);
}

/** `character` is after the change; `castId` is "" when the change was not a hit (respawn, restore, level). */
export function healthChanged(character: CharacterRecord, healthBefore: number, castId: string, at: Date): OutgoingEvent {
  const message = create(CharacterHealthChangedSchema, {
    characterId: character.characterId,
    playerId: character.playerId,
    healthBefore,
    healthAfter: character.health,
    castId,
    changeTime: timestampFromDate(at),
  });
  return characterEvent(character.characterId, CharacterHealthChangedSchema, message);
}

export function levelChanged(character: CharacterRecord, at: Date): OutgoingEvent {
  const message = create(CharacterLevelChangedSchema, {
    characterId: character.characterId,
    playerId: character.playerId,
    level: character.level,
    changeTime: timestampFromDate(at),
  });
  return characterEvent(character.characterId, CharacterLevelChangedSchema, message);
}
