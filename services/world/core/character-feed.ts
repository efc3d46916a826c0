import type { TickClock } from "./tick-clock.js";
import { territoryLost } from "./world-events.js";
import type { WorldTransaction } from "./world-store.js";

type Position = { zoneId: string; x: number; y: number };

/**
 * Keeps world's view of characters from player's events (owner, last known
 * position) and of guild membership from guild's events, inside the
 * consumer's inbox transaction (each event has its effect once). Presence in
 * a territory follows from these (see presence.ts); nothing else is kept.
 */
export interface CharacterFeed {
  created(tx: WorldTransaction, c: { characterId: string; playerId: string; position: Position | undefined }): Promise<void>;
  moved(tx: WorldTransaction, characterId: string, to: Position): Promise<void>;
  deleted(tx: WorldTransaction, characterId: string): Promise<void>;
  memberJoined(tx: WorldTransaction, guildId: string, characterId: string): Promise<void>;
  memberGone(tx: WorldTransaction, guildId: string, characterId: string): Promise<void>;
  /**
   * The guild's members are gone, and so is its hold on territories: they
   * turn neutral (TerritoryLost, captured by nobody). Open streams get the
   * change with their replica's next sweep (a consumer has no after-commit hook).
   */
  guildDisbanded(tx: WorldTransaction, guildId: string): Promise<void>;
}

export function createCharacterFeed(deps: { clock: TickClock }): CharacterFeed {
  return {
    created: (tx, c) => tx.recordCharacter(c),
    moved: (tx, characterId, to) => tx.moveCharacter(characterId, to),
    deleted: (tx, characterId) => tx.markCharacterDeleted(characterId),
    memberJoined: (tx, guildId, characterId) => tx.joinGuild(characterId, guildId),
    memberGone: (tx, guildId, characterId) => tx.leaveGuild(characterId, guildId),
    async guildDisbanded(tx, guildId) {
      await tx.removeGuild(guildId);
      const held = await tx.heldBy(guildId);
      const now = deps.clock.now();
      for (const t of held) {
        await tx.setControl(t.territoryId, undefined, now);
        await tx.touchTerritory(t.territoryId, "released");
        await tx.publish([territoryLost(t, t.contest?.captureId ?? "", guildId, "", now)]);
      }
    },
  };
}
