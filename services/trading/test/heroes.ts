import { randomUUID } from "node:crypto";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";

/** A player's character that inventory and trading both know. */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
  readonly name: string;
}

/**
 * Creates a mage for `player` (a new one when not given) through player's
 * API, and resolves once inventory handed out the starter kit (100 gold, 3
 * potions of mana, in one transaction) and trading has heard of it from
 * player's events (listing its trades stops being refused).
 */
export async function createHero(stack: Stack, player?: TestPlayer): Promise<Hero> {
  const owner = player ?? (await signUp(stack));
  const name = `T${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const { character } = await stack.operator.client(PlayerService, "player").createCharacter({ name, characterClass: CharacterClass.MAGE }, owner.asPlayer);
  const characterId = character!.characterId;
  await eventually(() => stack.operator.client(InventoryService, "inventory").getWallet({ characterId }, owner.asPlayer), (r) => r.wallet?.balance === 100n);
  await eventually(
    () => stack.operator.client(TradingService, "trading").listTrades({ characterId }, owner.asPlayer).then(() => true, () => false),
    (known) => known,
  );
  return { player: owner, characterId, name };
}
