import { randomUUID } from "node:crypto";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { inject } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { CharacterDefeatedSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { GuildCreatedSchema, MemberJoinedSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { GuildSchema, MemberSchema } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { file_chaos_liveops_v1_events } from "@chaos/gen/chaos/liveops/v1/events_pb.js";
import { GoalKind, type GoalSchema, type RewardTierSchema, type ScheduleSchema } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { LiveopsService, type CreateLiveEventRequestSchema } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { CharacterClass, CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TerritoryCapturedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { newCloudEvent, principalHeader, toKafkaHeaders, topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { refusalOf } from "../../../scripts/test/refusal.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, useDomainEvents, type PublishedEvent } from "../../../scripts/test/topic-events.js";

const combatSource = "spiffe://chaos.world/ns/chaos/sa/combat";
const guildSource = "spiffe://chaos.world/ns/chaos/sa/guild";
const worldSource = "spiffe://chaos.world/ns/chaos/sa/world";
const tradingSource = "spiffe://chaos.world/ns/chaos/sa/trading";

/** A player's character, known to liveops (it can join with it). */
export interface Hero {
  readonly player: TestPlayer;
  readonly character: Character;
}

/**
 * A liveops test's view of its stack: liveops' client as the operator
 * workload acting for a player or an admin (x-chaos-principal, as the gateway
 * forwards it), characters made through player, real casts through combat,
 * defeats, guilds, settled trades and territory captures published as combat,
 * guild, trading and world publish them (to deliver one event twice; guild,
 * trading and world are not in the stack),
 * wallets through inventory, and liveops' events as Kafka carries them.
 */
export function liveopsWorld(stack: Stack) {
  const liveops = () => stack.operator.client(LiveopsService, "liveops");
  const brokers = () => inject("infra").kafka;
  const topic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;

  /** A player granted the admin role (identity's SetAccountRoles), with a refreshed token that carries it. */
  async function admin(): Promise<{ headers: Record<string, string> }> {
    const player = await signUp(stack);
    await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({
      account: { case: "accountId", value: player.accountId },
      roles: [Role.PLAYER, Role.ADMIN],
      reason: "runs the liveops tests' events",
    });
    const { tokens } = await stack.operator.client(IdentityService, "identity").refreshSession({ refreshToken: player.refreshToken });
    return { headers: { [principalHeader]: tokens!.accessToken } };
  }

  /** A new mage of a new player (or `player`), made through player; resolves once liveops knows it (JoinLiveEvent's owner check passes). */
  async function hero(player?: TestPlayer): Promise<Hero> {
    const owner = player ?? (await signUp(stack));
    const name = `L${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const { character } = await stack.operator.client(PlayerService, "player").createCharacter({ name, characterClass: CharacterClass.MAGE }, owner.asPlayer);
    // Liveops' read model follows player's CharacterCreated; until then the character is not the player's (NOT_CHARACTER_OWNER).
    await eventually(
      () => refusalOf(liveops().getParticipation({ instanceId: randomUUID(), characterId: character!.characterId }, owner.asPlayer)),
      (e) => e.reason !== "ERROR_REASON_NOT_CHARACTER_OWNER",
    );
    return { player: owner, character: character! };
  }

  /** The training dummies standing in the starting zone. */
  async function dummies(player: TestPlayer): Promise<Character[]> {
    const { characters } = await stack.operator.client(PlayerService, "player").listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, player.asPlayer);
    return characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One cast through combat, waiting out the spell's cooldown first if need be. */
  async function cast(hero: Hero, spellId: string, target: Character) {
    const combat = stack.operator.client(CombatService, "combat");
    for (;;) {
      const result = await combat
        .castSpell({ casterCharacterId: hero.character.characterId, spellId, targetId: target.characterId, idempotencyKey: "" }, hero.player.asPlayer)
        .catch(async (error: unknown) => {
          if ((await refusalOf(Promise.reject(error))).reason !== "ERROR_REASON_ON_COOLDOWN") throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
          return undefined;
        });
      if (result !== undefined) return result;
    }
  }

  /** Fireballs at `target` through combat until it falls; the fatal cast's id. */
  async function defeat(hero: Hero, target: Character): Promise<string> {
    for (;;) {
      const result = await cast(hero, "fireball", target);
      if (result.targetDefeated) return result.castId;
    }
  }

  /** A CharacterDefeated as combat's relay publishes it, with its own ce_id (publish it twice to redeliver it); `time` is its ce_time. */
  function defeatEvent(victor: Hero, defeatedId: string, time = new Date()): PublishedEvent & { id: string } {
    const message = create(CharacterDefeatedSchema, {
      castId: randomUUID(),
      defeatedId,
      victorCharacterId: victor.character.characterId,
      victorPlayerId: victor.player.accountId,
      defeatTime: timestampFromDate(time),
    });
    const attributes = { ...newCloudEvent(CharacterDefeatedSchema.typeName, combatSource, victor.character.characterId), time: time.toISOString() };
    return { id: attributes.id, topic: topic("combat", "casts"), key: victor.character.characterId, headers: toKafkaHeaders(attributes), value: Buffer.from(toBinary(CharacterDefeatedSchema, message)) };
  }

  const publishEvents = (events: readonly PublishedEvent[]) => publish(brokers(), events);

  /** Runs `sql` on liveops' own database (to look at its read models, or to stage a crash's aftermath). */
  async function ownDatabase<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client(stack.databaseUrl("liveops"));
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** A guild of `members` (the first leads it), announced as guild announces it; resolves once liveops has every member. */
  async function guild(members: readonly Hero[]): Promise<string> {
    const guildId = randomUUID();
    const name = `Guild ${guildId.slice(0, 6)}`;
    const member = (h: Hero) => create(MemberSchema, { guildId, characterId: h.character.characterId, characterName: h.character.name });
    const [leader, ...others] = members;
    await publishEvents([
      cloudEvent(topic("guild", "guilds"), guildSource, guildId, GuildCreatedSchema, create(GuildCreatedSchema, { guild: create(GuildSchema, { guildId, name }), leader: member(leader!) })),
      ...others.map((h) => cloudEvent(topic("guild", "guilds"), guildSource, guildId, MemberJoinedSchema, create(MemberJoinedSchema, { member: member(h), guildName: name }))),
    ]);
    await eventually(() => ownDatabase("SELECT character_id FROM guild_members WHERE guild_id = $1", [guildId]), (rows) => rows.length === members.length);
    return guildId;
  }

  /** A TradeSettled between two characters, as trading's relay publishes it. */
  function tradeSettledEvent(proposer: Hero, counterparty: Hero): PublishedEvent {
    const tradeId = randomUUID();
    const party = (h: Hero) => ({ characterId: h.character.characterId, name: h.character.name });
    return cloudEvent(
      topic("trading", "trades"),
      tradingSource,
      tradeId,
      TradeSettledSchema,
      create(TradeSettledSchema, { trade: { tradeId, proposer: party(proposer), counterparty: party(counterparty), state: TradeState.SETTLED } }),
    );
  }

  /** A TerritoryCaptured by `guildId`, as world's relay publishes it. */
  function captureEvent(guildId: string): PublishedEvent {
    const territoryId = randomUUID();
    return cloudEvent(
      topic("world", "territories"),
      worldSource,
      territoryId,
      TerritoryCapturedSchema,
      create(TerritoryCapturedSchema, { territoryId, zoneId: "ember_plains", captureId: randomUUID(), guildId, captureTime: timestampFromDate(new Date()), tick: 1n }),
    );
  }

  // Inventory opens a character's wallet and gives its starter kit when player's CharacterCreated reaches it; until then it refuses.
  const inventory = () => stack.operator.client(InventoryService, "inventory");

  /** The character's gold, once inventory knows the character. */
  async function balance(hero: Hero): Promise<bigint> {
    const { wallet } = await eventually(() => inventory().getWallet({ characterId: hero.character.characterId }, hero.player.asPlayer), () => true);
    return wallet!.balance;
  }

  /** How many of an item the character holds, once inventory knows the character. */
  async function holding(hero: Hero, definitionId: string): Promise<bigint> {
    const { items } = await eventually(() => inventory().listItems({ characterId: hero.character.characterId }, hero.player.asPlayer), () => true);
    return items.filter((i) => i.definitionId === definitionId).reduce((sum, i) => sum + i.quantity, 0n);
  }

  /** A live event request: a defeat goal, running from now for an hour, tiers as given (default one tier: 1 defeat → 250 gold). */
  function eventRequest(overrides: EventOverrides = {}): CreateLiveEventInit {
    const now = Date.now();
    return {
      title: `Dummy hunt ${randomUUID().slice(0, 6)}`,
      description: "Defeat training dummies.",
      goal: overrides.goal ?? { kind: GoalKind.DEFEATS },
      tiers: overrides.tiers ?? [{ threshold: 1n, gold: 250n }],
      schedule: overrides.schedule ?? { startTime: timestampFromDate(new Date(now - 1_000)), endTime: timestampFromDate(new Date(now + 3_600_000)) },
    };
  }

  const recurrence = (cron: string, durationMs: number) => ({ cron, timeZone: "", duration: durationFromMs(durationMs) });

  /** Liveops' events of a type, as Kafka carries them. */
  const events = useDomainEvents(stack, file_chaos_liveops_v1_events, ["events"]);

  return { liveops, admin, hero, dummies, cast, defeat, defeatEvent, publishEvents, ownDatabase, guild, captureEvent, tradeSettledEvent, balance, holding, eventRequest, recurrence, events };
}

/** What a test changes of the default event. */
export interface EventOverrides {
  readonly goal?: MessageInitShape<typeof GoalSchema>;
  readonly tiers?: MessageInitShape<typeof RewardTierSchema>[];
  readonly schedule?: MessageInitShape<typeof ScheduleSchema>;
}

/** What CreateLiveEvent takes, as a message initializer. */
export type CreateLiveEventInit = MessageInitShape<typeof CreateLiveEventRequestSchema>;
