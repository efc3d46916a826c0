import { create } from "@bufbuild/protobuf";
import { StatsSchema, type Character, type Stats } from "@chaos/gen/chaos/player/v1/character_pb.js";

/** One hit for the player service to apply. */
export interface Hit {
  readonly characterId: string;
  readonly amount: number;
  /** The player service applies each cast id once. */
  readonly castId: string;
  readonly sourceCharacterId: string;
}

/** What became of a hit. */
export type HitResult =
  | { readonly kind: "applied"; readonly healthAfter: number; readonly defeated: boolean; readonly duplicate: boolean }
  /** The target was defeated by someone else after combat looked at it. */
  | { readonly kind: "target_defeated" }
  /** The target was deleted after combat looked at it. */
  | { readonly kind: "target_gone" };

/**
 * Characters as combat sees them: the player service owns them (stats,
 * health, position). Failures to reach it are thrown as they should reach
 * combat's caller (see clients/player-directory.ts).
 */
export interface CharacterDirectory {
  /** The character, or undefined when there is none. */
  find(characterId: string): Promise<Character | undefined>;
  applyDamage(hit: Hit): Promise<HitResult>;
}

/** A character's stats; all zero if the player service ever sent none. */
export function statsOf(character: Character): Stats {
  return character.stats ?? create(StatsSchema);
}
