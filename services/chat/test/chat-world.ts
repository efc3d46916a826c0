import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { expect, inject } from "vitest";
import { ChatService, StreamItemKind, type StreamMessagesResponse } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { file_chaos_chat_v1_events } from "@chaos/gen/chaos/chat/v1/events_pb.js";
import { GuildSchema, MemberSchema } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { GuildCreatedSchema, MemberJoinedSchema, MemberKickedSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { CharacterClass, PositionSchema } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema, CharacterMovedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { principalHeader, topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { readStream, type StreamReader } from "../../../scripts/test/stream-reader.js";
import { cloudEvent, eventually, publish, useDomainEvents } from "../../../scripts/test/topic-events.js";

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";
const guildSource = "spiffe://chaos.world/ns/chaos/sa/guild";

/** A player's character that chat knows. */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
  readonly name: string;
}

/**
 * A chat test's view of its stack: chat's client (as the operator workload,
 * acting for a player through x-chaos-principal, as the gateway would),
 * characters and guilds announced the way player and guild announce them,
 * and chat's events as Kafka carries them.
 */
export function chatWorld(stack: Stack) {
  const chat = () => stack.operator.client(ChatService, "chat");
  const brokers = () => inject("infra").kafka;
  const topic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;

  /** A new character of `player` (a new player when not given) standing in `zoneId`; resolves once chat knows it. */
  async function hero(zoneId: string, player?: TestPlayer): Promise<Hero> {
    const owner = player ?? (await signUp(stack));
    const characterId = randomUUID();
    const name = `H${characterId.slice(0, 8)}`;
    await publish(brokers(), [
      cloudEvent(
        topic("player", "characters"),
        playerSource,
        characterId,
        CharacterCreatedSchema,
        create(CharacterCreatedSchema, { characterId, playerId: owner.accountId, name, characterClass: CharacterClass.MAGE, position: { zoneId, x: 1, y: 1, z: 0 } }),
      ),
    ]);
    await eventually(() => chat().listChannels({ characterId }, owner.asPlayer), (r) => r.channels.length === 2);
    return { player: owner, characterId, name };
  }

  async function move(hero: Hero, from: string, to: string): Promise<void> {
    await publish(brokers(), [
      cloudEvent(
        topic("player", "characters"),
        playerSource,
        hero.characterId,
        CharacterMovedSchema,
        create(CharacterMovedSchema, { characterId: hero.characterId, from: create(PositionSchema, { zoneId: from }), to: create(PositionSchema, { zoneId: to }) }),
      ),
    ]);
  }

  /** A guild led by `leader` with `members`, announced as guild announces it; resolves once chat shows every member the channel. */
  async function guild(leader: Hero, members: readonly Hero[]): Promise<{ guildId: string; channelId: string; kick(member: Hero): Promise<void> }> {
    const guildId = randomUUID();
    const name = `Guild ${guildId.slice(0, 6)}`;
    const member = (h: Hero) => create(MemberSchema, { guildId, characterId: h.characterId, characterName: h.name });
    await publish(brokers(), [
      cloudEvent(topic("guild", "guilds"), guildSource, guildId, GuildCreatedSchema, create(GuildCreatedSchema, { guild: create(GuildSchema, { guildId, name }), leader: member(leader) })),
      ...members.map((h) => cloudEvent(topic("guild", "guilds"), guildSource, guildId, MemberJoinedSchema, create(MemberJoinedSchema, { member: member(h), guildName: name }))),
    ]);
    let channelId = "";
    for (const h of [leader, ...members]) {
      const { channels } = await eventually(() => chat().listChannels({ characterId: h.characterId }, h.player.asPlayer), (r) => r.channels.some((c) => c.scopeId === guildId));
      channelId = channels.find((c) => c.scopeId === guildId)!.channelId;
    }
    return {
      guildId,
      channelId,
      kick: (h) =>
        publish(brokers(), [cloudEvent(topic("guild", "guilds"), guildSource, guildId, MemberKickedSchema, create(MemberKickedSchema, { guildId, characterId: h.characterId }))]),
    };
  }

  /** A moderator: a player the operator granted the role (identity's SetAccountRoles), whose refreshed token carries it. */
  async function moderator(): Promise<{ headers: Record<string, string> }> {
    const player = await signUp(stack);
    await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({
      account: { case: "accountId", value: player.accountId },
      roles: [Role.PLAYER, Role.MODERATOR],
      reason: "moderates the chat tests",
    });
    const { tokens } = await stack.operator.client(IdentityService, "identity").refreshSession({ refreshToken: player.refreshToken });
    return { headers: { [principalHeader]: tokens!.accessToken } };
  }

  /** Chat's events of a type, as Kafka carries them. */
  const events = useDomainEvents(stack, file_chaos_chat_v1_events, ["messages"]);

  return { chat, hero, move, guild, moderator, events };
}

/** A StreamMessages stream read in the background (its LIVE marker left out of the items). */
export type MessageStreamReader = StreamReader<StreamMessagesResponse>;

/** Reads a StreamMessages stream until closed; `controller` cancels it. */
export function readMessages(stream: AsyncIterable<StreamMessagesResponse>, controller: AbortController): MessageStreamReader {
  return readStream(stream, controller, (item) => item.kind === StreamItemKind.LIVE);
}

/** The last revision per channel a reader has seen, as a client keeps it to resume. */
export function revisionsOf(reader: MessageStreamReader): Record<string, bigint> {
  const last: Record<string, bigint> = {};
  for (const item of reader.items) last[item.message!.channelId] = item.revision;
  return last;
}
