import { randomUUID } from "node:crypto";
import { create, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { inject } from "vitest";
import { AnticheatService } from "@chaos/gen/chaos/anticheat/v1/anticheat_service_pb.js";
import type { Standing } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { newCloudEvent, principalHeader, toKafkaHeaders, topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { eventually, publish, type PublishedEvent } from "../../../scripts/test/topic-events.js";

const combatSource = "spiffe://chaos.world/ns/chaos/sa/combat";
const paymentSource = "spiffe://chaos.world/ns/chaos/sa/payment";

/** A player's mage, made through player; inventory gave it 100 gold and trading knows it. */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
  /** Where it was created. */
  readonly spawn: { readonly x: number; readonly y: number };
}

/**
 * An anticheat test's view of its stack: characters, moves and trades
 * through player, inventory and trading (real processes); casts published
 * as combat's relay publishes them, with the ce_time the test picks (combat
 * itself refuses a cast inside its cooldown: casting too fast is what a
 * cheating client or a compromised game server does, and what anticheat
 * sees on the topic); anticheat's client as the gateway forwards a player
 * or a moderator.
 */
export function anticheatWorld(stack: Stack) {
  const anticheat = () => stack.operator.client(AnticheatService, "anticheat");
  const identity = () => stack.operator.client(IdentityService, "identity");
  const brokers = () => inject("infra").kafka;

  /** A player with the moderator role, acting with a token that carries it. */
  async function moderator(): Promise<{ headers: Record<string, string> }> {
    const player = await signUp(stack);
    await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({
      account: { case: "accountId", value: player.accountId },
      roles: [Role.PLAYER, Role.MODERATOR],
      reason: "reviews the anticheat tests' cases",
    });
    const { tokens } = await identity().refreshSession({ refreshToken: player.refreshToken });
    return { headers: { [principalHeader]: tokens!.accessToken } };
  }

  /** A new mage of a new player, once inventory gave its starter gold and trading knows it. */
  async function hero(): Promise<Hero> {
    const owner = await signUp(stack);
    const name = `A${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const { character } = await stack.operator.client(PlayerService, "player").createCharacter({ name, characterClass: CharacterClass.MAGE }, owner.asPlayer);
    const characterId = character!.characterId;
    await eventually(() => stack.operator.client(InventoryService, "inventory").getWallet({ characterId }, owner.asPlayer), (r) => r.wallet?.balance === 100n);
    await eventually(
      () => stack.operator.client(TradingService, "trading").listTrades({ characterId }, owner.asPlayer).then(() => true, () => false),
      (known) => known,
    );
    return { player: owner, characterId, spawn: { x: character!.position!.x, y: character!.position!.y } };
  }

  /** Moves through player's MoveCharacter (which allows any position in the zone: a teleport too). */
  const move = (hero: Hero, x: number, y: number) =>
    stack.operator.client(PlayerService, "player").moveCharacter({ characterId: hero.characterId, position: { zoneId: "ember_plains", x, y, z: 0 } }, hero.player.asPlayer);

  function event<Desc extends DescMessage>(domain: string, stream: string, source: string, key: string, schema: Desc, message: MessageShape<Desc>, time: Date): PublishedEvent {
    const attributes = { ...newCloudEvent(schema.typeName, source, key), time: time.toISOString() };
    return { topic: `${stack.world}.${topicName(domain, stream)}`, key, headers: toKafkaHeaders(attributes), value: Buffer.from(toBinary(schema, message)) };
  }

  /** Fireballs at a training dummy at the given times, as combat's relay would publish their SpellCasts (publish them again to redeliver them). */
  function castEvents(hero: Hero, times: readonly Date[]): PublishedEvent[] {
    return times.map((time) =>
        event(
          "combat",
          "casts",
          combatSource,
          hero.characterId,
          SpellCastSchema,
          create(SpellCastSchema, {
            castId: randomUUID(),
            casterCharacterId: hero.characterId,
            casterPlayerId: hero.player.accountId,
            targetId: "7d1a0000-0000-4000-8000-000000000001",
            spellId: "fireball",
            school: School.FIRE,
            manaSpent: 25,
            castTime: timestampFromDate(time),
            cooldownMs: 2_000,
            baseDamage: 30,
          }),
          time,
        ),
    );
  }

  const publishEvents = (events: readonly PublishedEvent[]) => publish(brokers(), events);

  /** An event of payment's (not in the stack) as its relay publishes it (keyed by an order). */
  const paymentEvent = <Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>) =>
    event("payment", "orders", paymentSource, randomUUID(), schema, message, new Date());

  /** `from` gives `gold` to `to` in a trade (and, with `potion`, gets a potion of mana back), proposed and accepted through trading. */
  async function trade(from: Hero, to: Hero, gold: bigint, potion = false): Promise<void> {
    const trading = stack.operator.client(TradingService, "trading");
    let request = {};
    if (potion) {
      const { items } = await stack.operator.client(InventoryService, "inventory").listItems({ characterId: to.characterId }, to.player.asPlayer);
      request = { items: [{ itemId: items.find((i) => i.definitionId === "potion_of_mana")!.itemId, quantity: 1n }] };
    }
    const { trade: proposed } = await trading.proposeTrade(
      { proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: { gold }, request, idempotencyKey: randomUUID() },
      from.player.asPlayer,
    );
    await trading.acceptTrade({ tradeId: proposed!.tradeId }, to.player.asPlayer);
  }

  /** The player's standing as a moderator sees it, once `accept` takes it. */
  const standingOnce = (mod: { headers: Record<string, string> }, playerId: string, accept: (s: Standing) => boolean) =>
    eventually(async () => (await anticheat().getStanding({ playerId }, mod)).standing!, accept);

  return { anticheat, identity, moderator, hero, move, castEvents, publishEvents, paymentEvent, trade, standingOnce };
}
