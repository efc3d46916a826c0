import { randomUUID } from "node:crypto";
import { create, isMessage, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import pg from "pg";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { file_chaos_guild_v1_events } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema, CharacterDeletedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName } from "@chaos/mesh";
import type { TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, followTopic, publish, type FollowedTopic, type TopicEvent } from "../../../scripts/test/topic-events.js";

/** What every new character has in inventory (its starter kit). */
export const starterGold = 100n;

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";

/**
 * A guild test's view of its stack: the services' clients (as the operator
 * workload, acting for a player through the x-chaos-principal header, as
 * the gateway would), characters announced the way player announces them,
 * guild's events as Kafka carries them, and guild's own tables for the
 * checks an auditor would make.
 */
export function guildWorld(stack: Stack) {
  const guild = () => stack.operator.client(GuildService, "guild");
  const inventory = () => stack.operator.client(InventoryService, "inventory");
  const inventoryInternal = () => stack.operator.client(InventoryInternalService, "inventory");
  const brokers = () => inject("infra").kafka;
  const playerTopic = () => `${stack.world}.${topicName("player", "characters")}`;

  /** Characters of `player`, announced by CharacterCreated; resolves once guild and inventory both know them. */
  async function newCharacters(player: TestPlayer, count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await publish(
      brokers(),
      ids.map((characterId) =>
        cloudEvent(
          playerTopic(),
          playerSource,
          characterId,
          CharacterCreatedSchema,
          create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name: `Hero-${characterId.slice(0, 8)}`, characterClass: CharacterClass.WARRIOR }),
        ),
      ),
    );
    for (const characterId of ids) {
      await eventually(() => guild().getMyGuild({ actorCharacterId: characterId }, player.asPlayer), () => true);
      await eventually(() => wallet(player, characterId), (balance) => balance === starterGold);
    }
    return ids;
  }

  async function deleteCharacter(player: TestPlayer, characterId: string): Promise<void> {
    await publish(brokers(), [
      cloudEvent(playerTopic(), playerSource, characterId, CharacterDeletedSchema, create(CharacterDeletedSchema, { characterId, playerId: player.accountId })),
    ]);
  }

  async function wallet(player: TestPlayer, characterId: string): Promise<bigint> {
    return (await inventory().getWallet({ characterId }, player.asPlayer)).wallet!.balance;
  }

  /** The bank's balance as inventory keeps it. */
  async function bank(guildId: string): Promise<bigint> {
    return (await inventoryInternal().getAccountBalance({ account: { owner: { case: "guildId", value: guildId } } })).balance;
  }

  // Guild's topic as a consumer sees it, read from the start by one consumer for the whole file (a consumer
  // joining its group takes seconds; one per assertion made the file twice as slow).
  let followed: FollowedTopic | undefined;
  beforeAll(async () => {
    followed = await followTopic(brokers(), `${stack.world}.${topicName("guild", "guilds")}`, [file_chaos_guild_v1_events]);
  }, 60_000);
  afterAll(async () => {
    await followed?.stop();
  });

  /** Guild's events about one guild, in topic order, once `done` holds for them (or after `timeoutMs`). */
  async function eventsOf(guildId: string, done: (events: readonly TopicEvent[]) => boolean, timeoutMs = 20_000): Promise<TopicEvent[]> {
    const mine = () => (followed?.events ?? []).filter((e) => e.subject === guildId);
    const deadline = Date.now() + timeoutMs;
    while (!done(mine()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return mine();
  }

  /** Waits until guild published events of these types (short names, e.g. "GuildCreated") for the guild, and returns them all. */
  async function eventsUntil(guildId: string, types: readonly string[], timeoutMs?: number): Promise<TopicEvent[]> {
    const has = (events: readonly TopicEvent[]) => types.every((t) => events.some((e) => e.type === `chaos.guild.v1.${t}`));
    const events = await eventsOf(guildId, has, timeoutMs);
    expect(events.map((e) => e.type.replace("chaos.guild.v1.", ""))).toEqual(expect.arrayContaining([...types]));
    return events;
  }

  /** Runs SQL on guild's own database (under the hood, as an auditor would). */
  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client(stack.databaseUrl("guild"));
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  return { guild, inventory, inventoryInternal, newCharacters, deleteCharacter, wallet, bank, eventsOf, eventsUntil, sql };
}

/** A guild name no other test of the run picks. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${randomUUID().slice(0, 8)}`;
}

/** A tag no other test of the run picks (2-5 of A-Z0-9). */
export function uniqueTag(): string {
  return randomUUID().replaceAll("-", "").slice(0, 5).toUpperCase();
}

/** The events of one type among `events`, typed. */
export function messagesOf<Desc extends DescMessage>(events: readonly TopicEvent[], schema: Desc): MessageShape<Desc>[] {
  return events.flatMap((e) => (isMessage(e.message, schema) ? [e.message] : []));
}
