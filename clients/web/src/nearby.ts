import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import type { Disposable } from "./dom.js";
import type { CharacterNames } from "./names.js";
import { poll } from "./poll.js";

/** How often the zone's characters are re-read for the pickers (the battle view reads targets faster itself). */
const nearbyIntervalMs = 5_000;

/** The characters in a zone, read once for every view that lets the player pick another player. */
export interface Nearby extends Disposable {
  readonly characters: readonly Character[];
  /** Calls `listener` after every read; returns the function that stops it. */
  subscribe(listener: (characters: readonly Character[]) => void): () => void;
}

/** Starts reading the characters of `zoneId` (and remembering their names). */
export function createNearby(api: Api, names: CharacterNames, zoneId: string): Nearby {
  let characters: readonly Character[] = [];
  const listeners = new Set<(characters: readonly Character[]) => void>();
  const stop = poll(async () => {
    characters = (await api.player.listCharactersInZone({ zoneId, pageSize: 100 })).characters;
    for (const c of characters) names.remember(c.characterId, c.name);
    for (const listener of listeners) listener(characters);
  }, nearbyIntervalMs);
  return {
    get characters() {
      return characters;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: stop,
  };
}
