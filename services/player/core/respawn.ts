import { CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { CharacterTransaction } from "../store/character-store.js";
import type { CharacterRecord } from "./character.js";
import { healthChanged } from "./character-events.js";
import { statsAt } from "./class-stats.js";

/** How long defeated characters stay down. */
export interface RespawnDelays {
  readonly playerSeconds: number;
  readonly targetSeconds: number;
}

/**
 * A character as it is at `now`. Respawn is lazy: nothing wakes up when the
 * delay runs out; instead every read passes through here, and a character
 * whose delay has passed is seen (and, on the next write, stored) at full
 * health. `respawnedAt` says when that happened, for the event.
 */
export function asOf(character: CharacterRecord, now: Date, delays: RespawnDelays): { character: CharacterRecord; respawnedAt: Date | undefined } {
  if (character.defeatedAt === undefined) return { character, respawnedAt: undefined };
  const seconds = character.kind === CharacterKind.TRAINING_TARGET ? delays.targetSeconds : delays.playerSeconds;
  const respawnedAt = new Date(character.defeatedAt.getTime() + seconds * 1000);
  if (respawnedAt > now) return { character, respawnedAt: undefined };
  return { character: { ...character, health: statsAt(character).maxHealth, defeatedAt: undefined }, respawnedAt };
}

/**
 * Locks a character for a change and stores a respawn that is due, with its
 * CharacterHealthChanged event, so the change starts from the state every
 * reader already sees.
 */
export async function lockAsOf(tx: CharacterTransaction, characterId: string, now: Date, delays: RespawnDelays): Promise<CharacterRecord | undefined> {
  const stored = await tx.lock(characterId);
  if (stored === undefined) return undefined;
  const { character, respawnedAt } = asOf(stored, now, delays);
  if (respawnedAt !== undefined) {
    await tx.save(character);
    await tx.publish([healthChanged(character, stored.health, "", respawnedAt)]);
  }
  return character;
}
