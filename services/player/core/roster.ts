import { randomUUID } from "node:crypto";
import { CharacterKind, type CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/player/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { CharacterStore } from "../store/character-store.js";
import { insideZone, type CharacterRecord, type WorldPosition } from "./character.js";
import { characterCreated, characterDeleted, characterMoved } from "./character-events.js";
import { statsAt } from "./class-stats.js";
import { asOf, lockAsOf, type RespawnDelays } from "./respawn.js";
import { spawnPosition } from "./spawn.js";

/** How many characters one player may have. */
export const characterLimit = 5;

/** Characters as their players see and manage them; every read applies due respawns. */
export interface Roster {
  create(playerId: string, name: string, characterClass: CharacterClass): Promise<CharacterRecord>;
  get(characterId: string): Promise<CharacterRecord>;
  listMine(playerId: string): Promise<CharacterRecord[]>;
  /** One page in name order after `afterName` (lower case); `limit` + 1 rows tell whether more follow. */
  listInZone(zoneId: string, afterName: string | undefined, limit: number): Promise<CharacterRecord[]>;
  move(playerId: string, characterId: string, position: WorldPosition): Promise<CharacterRecord>;
  remove(playerId: string, characterId: string): Promise<void>;
}

export function createRoster(store: CharacterStore, delays: RespawnDelays, now: () => Date = () => new Date()): Roster {
  const current = (character: CharacterRecord) => asOf(character, now(), delays).character;
  const notFound = (characterId: string) => new DomainError(ErrorReason.CHARACTER_NOT_FOUND, `no character ${characterId}`);
  const owned = (character: CharacterRecord | undefined, characterId: string, playerId: string): CharacterRecord => {
    if (character === undefined) throw notFound(characterId);
    if (character.playerId !== playerId) throw new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "this character belongs to someone else");
    return character;
  };

  return {
    create: (playerId, name, characterClass) =>
      store.transaction(async (tx) => {
        await tx.lockPlayer(playerId);
        if ((await tx.countOwned(playerId)) >= characterLimit) {
          throw new DomainError(ErrorReason.CHARACTER_LIMIT_REACHED, `a player may have at most ${characterLimit} characters`, { max: String(characterLimit) });
        }
        const kind = CharacterKind.PLAYER;
        const character: CharacterRecord = {
          characterId: randomUUID(),
          playerId,
          name,
          characterClass,
          kind,
          level: 1,
          health: statsAt({ kind, characterClass, level: 1 }).maxHealth,
          position: spawnPosition(),
          defeatedAt: undefined,
          createdAt: now(),
        };
        if (!(await tx.insert(character))) throw new DomainError(ErrorReason.NAME_TAKEN, `the name ${name} is taken`);
        await tx.publish([characterCreated(character)]);
        return character;
      }),

    async get(characterId) {
      const character = await store.get(characterId);
      if (character === undefined) throw notFound(characterId);
      return current(character);
    },

    async listMine(playerId) {
      return (await store.listByPlayer(playerId)).map(current);
    },

    async listInZone(zoneId, afterName, limit) {
      return (await store.listInZone(zoneId, afterName, limit)).map(current);
    },

    move: (playerId, characterId, position) =>
      store.transaction(async (tx) => {
        const at = now();
        const character = owned(await lockAsOf(tx, characterId, at, delays), characterId, playerId);
        const zone = await tx.zone(position.zoneId);
        if (zone === undefined) throw new DomainError(ErrorReason.INVALID_POSITION, `no zone ${position.zoneId}`);
        if (!insideZone(zone, position)) {
          throw new DomainError(ErrorReason.INVALID_POSITION, `the position is outside ${zone.zoneId} (x ${zone.minX}..${zone.maxX}, y ${zone.minY}..${zone.maxY}, z ${zone.minZ}..${zone.maxZ})`);
        }
        if (character.defeatedAt !== undefined) throw new DomainError(ErrorReason.CHARACTER_DEFEATED, "a defeated character cannot move");
        const moved = { ...character, position: { zoneId: zone.zoneId, x: position.x, y: position.y, z: position.z } };
        await tx.save(moved);
        await tx.publish([characterMoved(characterId, character.position, moved.position, at)]);
        return moved;
      }),

    remove: (playerId, characterId) =>
      store.transaction(async (tx) => {
        const character = owned(await tx.lock(characterId), characterId, playerId);
        await tx.remove(characterId);
        await tx.publish([characterDeleted(character, now())]);
      }),
  };
}
