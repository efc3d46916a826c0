import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { ErrorReason } from "@chaos/gen/chaos/combat/v1/errors_pb.js";
import type { Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { ManaAndCooldowns } from "../store/mana-and-cooldowns.js";
import { statsOf, type CharacterDirectory } from "./character-directory.js";
import { spells } from "./spells.js";

/** A character's combat resources right now. */
export interface CombatStatus {
  /** Whole mana (regeneration is continuous; the fraction is kept). */
  readonly mana: number;
  readonly maxMana: number;
  readonly health: number;
  readonly maxHealth: number;
  /** Every spell with the milliseconds until it is ready (0 = ready). */
  readonly cooldowns: readonly { readonly spellId: string; readonly remainingMs: number }[];
}

/** What a player may look up about their own character's combat. */
export interface CombatOverview {
  listSpells(playerId: string, characterId: string): Promise<readonly Spell[]>;
  status(playerId: string, characterId: string): Promise<CombatStatus>;
}

export function createCombatOverview(characters: CharacterDirectory, resources: ManaAndCooldowns): CombatOverview {
  // A character that does not exist is, to the caller, one they do not own: one answer, no probing.
  const owned = async (playerId: string, characterId: string): Promise<Character> => {
    const character = await characters.find(characterId);
    if (character === undefined || character.kind !== CharacterKind.PLAYER || character.playerId !== playerId) {
      throw new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "you do not own this character");
    }
    return character;
  };

  return {
    async listSpells(playerId, characterId) {
      await owned(playerId, characterId);
      // Every class knows every spell in this slice.
      return spells;
    },
    async status(playerId, characterId) {
      const character = await owned(playerId, characterId);
      const stats = statsOf(character);
      const snapshot = await resources.snapshot(character.characterId, spells.map((s) => s.spellId), stats.maxMana);
      return {
        mana: Math.floor(snapshot.mana),
        maxMana: stats.maxMana,
        health: stats.health,
        maxHealth: stats.maxHealth,
        cooldowns: spells.map((s) => ({ spellId: s.spellId, remainingMs: snapshot.cooldownsMs.get(s.spellId) ?? 0 })),
      };
    },
  };
}
