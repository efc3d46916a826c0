import type { AssetTransaction } from "../store/asset-store.js";
import { noResult, once } from "./idempotency.js";
import { mintGold, mintItems } from "./grants.js";

/** What every new character starts with. */
export interface StarterKit {
  readonly gold: bigint;
  readonly items: readonly { readonly definitionId: string; readonly quantity: bigint }[];
}

/**
 * Keeps inventory's view of characters (who owns which) from player's
 * events, and hands each new character its starter kit. Both run inside the
 * consumer's inbox transaction (the store bound to it), so each event has its effect once; the kit
 * is keyed "starter:<character id>" as well, so a replayed or duplicated
 * CharacterCreated with a new event id still grants it once.
 */
export interface CharacterFeed {
  created(tx: AssetTransaction, characterId: string, playerId: string): Promise<void>;
  deleted(tx: AssetTransaction, characterId: string): Promise<void>;
}

export function createCharacterFeed(kit: StarterKit): CharacterFeed {
  return {
    async created(tx, characterId, playerId) {
      await tx.recordCharacter(characterId, playerId);
      await once(tx, `starter:${characterId}`, "starter_kit", [characterId], noResult, async () => {
        const at = new Date();
        if (kit.gold > 0n) await mintGold(tx, characterId, kit.gold, at);
        if (kit.items.length > 0) await mintItems(tx, characterId, kit.items, "starter kit", at);
      });
    },
    async deleted(tx, characterId) {
      await tx.markCharacterDeleted(characterId);
    },
  };
}
