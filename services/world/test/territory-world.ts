import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { expect, inject } from "vitest";
import { GuildSchema, MemberSchema } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { GuildCreatedSchema, GuildDisbandedSchema, MemberJoinedSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { CharacterClass, PositionSchema } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema, CharacterMovedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { file_chaos_world_v1_events } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { WorldInternalService } from "@chaos/gen/chaos/world/v1/world_internal_service_pb.js";
import { StreamItemKind, WorldService, type StreamTerritoriesResponse } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import type { Territory } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { readStream, type StreamReader } from "../../../scripts/test/stream-reader.js";
import { cloudEvent, eventually, publish, useDomainEvents } from "../../../scripts/test/topic-events.js";

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";
const guildSource = "spiffe://chaos.world/ns/chaos/sa/guild";

/** A player's character that world hears of through player's events. */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
}

/** A spot of a zone. */
export interface Spot {
  readonly zoneId: string;
  readonly x: number;
  readonly y: number;
}

/**
 * A world test's view of its stack: world's clients (as the operator
 * workload, acting for a player through x-chaos-principal as the gateway
 * would, or as the operator itself: an admin), characters and guilds
 * announced the way player and guild announce them, and world's events as
 * Kafka carries them.
 */
export function territoryWorld(stack: Stack) {
  const world = () => stack.operator.client(WorldService, "world");
  const internal = () => stack.operator.client(WorldInternalService, "world");
  const brokers = () => inject("infra").kafka;
  const topic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;

  /** A new character of a new player standing at `at` (announced; world hears of it shortly). */
  async function hero(at: Spot): Promise<Hero> {
    const player = await signUp(stack);
    const characterId = randomUUID();
    await publish(brokers(), [
      cloudEvent(
        topic("player", "characters"),
        playerSource,
        characterId,
        CharacterCreatedSchema,
        create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name: `H${characterId.slice(0, 8)}`, characterClass: CharacterClass.WARRIOR, position: { ...at, z: 0 } }),
      ),
    ]);
    return { player, characterId };
  }

  async function move(heroes: readonly Hero[], to: Spot): Promise<void> {
    await publish(
      brokers(),
      heroes.map((h) =>
        cloudEvent(topic("player", "characters"), playerSource, h.characterId, CharacterMovedSchema, create(CharacterMovedSchema, { characterId: h.characterId, to: create(PositionSchema, { ...to, z: 0 }) })),
      ),
    );
  }

  /** A guild founded by the first hero, the others joining, announced as guild announces it. */
  async function guild(founder: Hero, members: readonly Hero[] = []): Promise<{ guildId: string; join(more: readonly Hero[]): Promise<void>; disband(): Promise<void> }> {
    const guildId = randomUUID();
    const name = `Guild ${guildId.slice(0, 6)}`;
    const member = (h: Hero) => create(MemberSchema, { guildId, characterId: h.characterId, characterName: h.characterId.slice(0, 8) });
    const join = (more: readonly Hero[]) =>
      publish(
        brokers(),
        more.map((h) => cloudEvent(topic("guild", "guilds"), guildSource, guildId, MemberJoinedSchema, create(MemberJoinedSchema, { member: member(h), guildName: name }))),
      );
    await publish(brokers(), [
      cloudEvent(topic("guild", "guilds"), guildSource, guildId, GuildCreatedSchema, create(GuildCreatedSchema, { guild: create(GuildSchema, { guildId, name }), leader: member(founder) })),
    ]);
    await join(members);
    const disband = () =>
      publish(brokers(), [
        cloudEvent(
          topic("guild", "guilds"),
          guildSource,
          guildId,
          GuildDisbandedSchema,
          create(GuildDisbandedSchema, { guild: create(GuildSchema, { guildId, name }), formerMemberCharacterIds: [founder, ...members].map((h) => h.characterId) }),
        ),
      ]);
    return { guildId, join, disband };
  }

  /** Waits until world counts exactly these members present in the territory (guild id → count). */
  async function presence(territoryId: string, expected: Record<string, number>): Promise<Territory> {
    const counts = (t: Territory) => JSON.stringify(t.presence.map((p) => [p.guildId, p.membersPresent]).sort());
    const wanted = JSON.stringify(Object.entries(expected).sort());
    const { territory } = await eventually(() => world().getTerritory({ territoryId }), (r) => counts(r.territory!) === wanted);
    expect(Object.fromEntries(territory!.presence.map((p) => [p.guildId, p.membersPresent]))).toEqual(expected);
    return territory!;
  }

  /** World's events of a type, as Kafka carries them. */
  const events = useDomainEvents(stack, file_chaos_world_v1_events, ["territories", "zones"]);
  /** World's events of a type about one territory (or zone). */
  const eventsOf = (type: string, id: string) => events(type).filter((e) => e.subject === id);

  return { world, internal, hero, move, guild, presence, events, eventsOf };
}

/** Reads a StreamTerritories stream until closed (its LIVE marker left out of the items); `controller` cancels it. */
export function readTerritories(stream: AsyncIterable<StreamTerritoriesResponse>, controller: AbortController): StreamReader<StreamTerritoriesResponse> {
  return readStream(stream, controller, (item) => item.kind === StreamItemKind.LIVE);
}
