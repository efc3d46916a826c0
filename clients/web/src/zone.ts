import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";

/** Where characters without a recorded position are: the zone every new character starts in. */
const startingZone = "ember_plains";

/** The zone a character is in. */
export function zoneOf(character: Character): string {
  return character.position?.zoneId || startingZone;
}

/** A zone id for people: "ember_plains" → "Ember Plains". */
export function zoneLabel(zoneId: string): string {
  return zoneId
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}
