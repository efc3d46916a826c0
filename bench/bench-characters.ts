import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { principalHeader } from "@chaos/mesh";
import { signUp } from "../scripts/test/players.js";
import type { Stack } from "../scripts/test/stack.js";
import { eventually } from "../scripts/test/topic-events.js";

/** A character a benchmark acts as, with its owner's access token (a player may act only through their own characters). */
export interface BenchCharacter {
  readonly characterId: string;
  readonly playerId: string;
  readonly accessToken: string;
}

/** Options of {@link createBenchCharacters}. */
export interface BenchCharacterOptions {
  readonly players: number;
  /** Characters per player (the player service allows 5). */
  readonly charactersPerPlayer: number;
  /** The gold inventory's starter kit gives (CHAOS_INVENTORY_STARTER_GOLD of the stack): a character is ready once its wallet shows it. */
  readonly starterGold: bigint;
  /** Sign-ups and creations in flight at once. Default 16. */
  readonly parallel?: number;
}

/**
 * Signs players up and creates their characters (as the operator, with each
 * player's token: what the gateway would forward), then waits until inventory
 * — and trading, when the stack runs it — have heard of every character from
 * player's events.
 *
 * Ordered slot by slot (every player's first character, then every player's
 * second...), so that neighbours in the list belong to different players.
 */
export async function createBenchCharacters(stack: Stack, options: BenchCharacterOptions): Promise<BenchCharacter[]> {
  const playerService = stack.operator.client(PlayerService, "player");
  const slots: BenchCharacter[][] = Array.from({ length: options.charactersPerPlayer }, () => []);
  await inParallel(options.players, options.parallel ?? 16, async (p) => {
    const player = await signUp(stack, `bench-${p}-${stack.world}@example.com`);
    for (let slot = 0; slot < options.charactersPerPlayer; slot += 1) {
      const { character } = await playerService.createCharacter({ name: `E${p}x${slot}${stack.world.slice(1, 6)}`, characterClass: CharacterClass.WARRIOR }, player.asPlayer);
      slots[slot]![p] = { characterId: character!.characterId, playerId: player.accountId, accessToken: player.accessToken };
    }
  });
  const characters = slots.flat();
  const inventory = stack.operator.client(InventoryService, "inventory");
  const trading = stack.processes.has("trading") ? stack.operator.client(TradingService, "trading") : undefined;
  await inParallel(characters.length, options.parallel ?? 16, async (i) => {
    const { characterId, accessToken } = characters[i]!;
    const asOwner = { headers: { [principalHeader]: accessToken } };
    const { wallet } = await eventually(() => inventory.getWallet({ characterId }, asOwner), (r) => r.wallet?.balance === options.starterGold, 60_000);
    if (wallet?.balance !== options.starterGold) throw new Error(`inventory never showed the starter gold of character ${characterId}`);
    // Trading knows a character once listing its trades stops being refused.
    if (trading !== undefined && !(await eventually(() => trading.listTrades({ characterId }, asOwner).then(() => true, () => false), (known) => known, 60_000))) {
      throw new Error(`trading never heard of character ${characterId}`);
    }
  });
  return characters;
}

async function inParallel(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
