import type { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";

/** Where a character stands. */
export interface WorldPosition {
  readonly zoneId: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** A character as stored; its stats follow from kind, class and level (see class-stats.ts). */
export interface CharacterRecord {
  readonly characterId: string;
  /** The owning account id; "" for training targets. */
  readonly playerId: string;
  readonly name: string;
  readonly characterClass: CharacterClass;
  readonly kind: CharacterKind;
  readonly level: number;
  readonly health: number;
  readonly position: WorldPosition;
  /** When health reached zero; undefined while alive. */
  readonly defeatedAt: Date | undefined;
  readonly createdAt: Date;
}

/** A zone's bounds, inclusive. */
export interface ZoneBounds {
  readonly zoneId: string;
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
  readonly minZ: number;
  readonly maxZ: number;
}

/** True when `position` lies inside `zone` (NaN and infinities never do). */
export function insideZone(zone: ZoneBounds, position: WorldPosition): boolean {
  const within = (value: number, min: number, max: number) => Number.isFinite(value) && value >= min && value <= max;
  return within(position.x, zone.minX, zone.maxX) && within(position.y, zone.minY, zone.maxY) && within(position.z, zone.minZ, zone.maxZ);
}
