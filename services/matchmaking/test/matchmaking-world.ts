import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { inject } from "vitest";
import { file_chaos_matchmaking_v1_events } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { MatchmakingInternalService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_internal_service_pb.js";
import { MatchmakingService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, useDomainEvents } from "../../../scripts/test/topic-events.js";

const playerSource = "spiffe://chaos.world/ns/chaos/sa/player";

/** A player's character that matchmaking knows. */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
}

/**
 * A matchmaking test's view of its stack: matchmaking's clients (the public
 * one acting for a player through x-chaos-principal, as the gateway would,
 * and the internal one as the operator), characters announced the way
 * player announces them, and matchmaking's match events as Kafka carries them.
 */
export function matchmakingWorld(stack: Stack) {
  const matchmaking = () => stack.operator.client(MatchmakingService, "matchmaking");
  const internal = () => stack.operator.client(MatchmakingInternalService, "matchmaking");
  const brokers = () => inject("infra").kafka;
  const topic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;

  /** A new character of `player` (a new player when not given); resolves once matchmaking heard of it. */
  async function hero(player?: TestPlayer): Promise<Hero> {
    const owner = player ?? (await signUp(stack));
    const characterId = randomUUID();
    await publish(brokers(), [
      cloudEvent(
        topic("player", "characters"),
        playerSource,
        characterId,
        CharacterCreatedSchema,
        create(CharacterCreatedSchema, { characterId, playerId: owner.accountId, name: `M${characterId.slice(0, 8)}`, characterClass: CharacterClass.WARRIOR }),
      ),
    ]);
    // Until the event is consumed, leaving any ticket is CHARACTER_NOT_FOUND; then it is TICKET_NOT_FOUND.
    await eventually(
      () => matchmaking().leaveQueue({ ticketId: randomUUID(), characterId }, owner.asPlayer).then(() => "", (e: Error) => e.message),
      (message) => message.includes("no such ticket"),
    );
    return { player: owner, characterId };
  }

  /** Matchmaking's match events of a type, as Kafka carries them. */
  const events = useDomainEvents(stack, file_chaos_matchmaking_v1_events, ["matches"]);

  return { matchmaking, internal, hero, events };
}
