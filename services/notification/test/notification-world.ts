import { randomUUID } from "node:crypto";
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { inject } from "vitest";
import { CharacterDefeatedSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { InviteSentSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { InviteSchema, InviteState } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { LevelReachedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { TradeProposedSchema, TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TradeSchema, TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import type { Stack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, type PublishedEvent } from "../../../scripts/test/topic-events.js";

/** A player and a character of theirs that notification knows (from player's and identity's events). */
export interface Hero {
  readonly player: TestPlayer;
  readonly characterId: string;
  readonly name: string;
}

const source = (service: string) => `spiffe://chaos.world/ns/chaos/sa/${service}`;

/**
 * A notification test's view of its stack: real identity and player (so the
 * read models are fed by their events), and the domain events of the
 * services that are not in the stack (progression, combat, trading, guild)
 * published as those services' relays would publish them.
 */
export function notificationWorld(stack: Stack) {
  const notification = () => stack.operator.client(NotificationService, "notification");
  const topic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;
  const send = (events: PublishedEvent[]) => publish(inject("infra").kafka, events);
  const event = <Desc extends DescMessage>(domain: string, stream: string, service: string, key: string, schema: Desc, init: MessageInitShape<Desc>) =>
    cloudEvent(topic(domain, stream), source(service), key, schema, create(schema, init));

  /**
   * A new player (or `player`) with a new character, created through player's
   * API; resolves once notification knows the character (see {@link known}).
   */
  async function hero(player?: TestPlayer): Promise<Hero> {
    const owner = player ?? (await signUp(stack));
    const name = `N${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const { character } = await stack.operator.client(PlayerService, "player").createCharacter({ name, characterClass: CharacterClass.MAGE }, owner.asPlayer);
    return known({ player: owner, characterId: character!.characterId, name });
  }

  /**
   * Resolves once notification knows the hero's character: a level-up notice
   * published for it shows the character's name in the player's centre. Each
   * probe names its own level, so a late one is never taken for another, and
   * all are read by the end, so the unread count starts at zero.
   */
  async function known(created: Hero): Promise<Hero> {
    const { player: owner, characterId, name } = created;
    for (let level = 1; ; level++) {
      await send([event("progression", "progress", "progression", characterId, LevelReachedSchema, { characterId, playerId: owner.accountId, level, reachTime: timestampFromDate(new Date()) })]);
      const probe = await eventually(
        () => notification().listNotifications({}, owner.asPlayer).then((r) => r.notifications.find((n) => n.characterId === characterId && n.title.endsWith(` reached level ${level}`))),
        (found) => found !== undefined,
      );
      await notification().markNotificationsRead({ all: true }, owner.asPlayer);
      if (probe!.title.startsWith(name)) return created;
      // Player's CharacterCreated was not consumed yet: ask again in a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** TradeProposed from `from` to `to`, as trading publishes it; returns the event (to publish again) and the trade id. */
  function tradeProposed(from: Hero, to: Hero, gold = 25n) {
    const tradeId = randomUUID();
    const trade = create(TradeSchema, {
      tradeId,
      proposer: { characterId: from.characterId, name: from.name },
      counterparty: { characterId: to.characterId, name: to.name },
      offer: { gold },
      request: {},
      state: TradeState.PROPOSED,
    });
    return { tradeId, event: event("trading", "trades", "trading", tradeId, TradeProposedSchema, { trade }) };
  }

  function tradeSettled(from: Hero, to: Hero, tradeId: string) {
    const trade = create(TradeSchema, { tradeId, proposer: { characterId: from.characterId, name: from.name }, counterparty: { characterId: to.characterId, name: to.name }, state: TradeState.SETTLED });
    return event("trading", "trades", "trading", tradeId, TradeSettledSchema, { trade });
  }

  function inviteSent(from: Hero, to: Hero, guildName: string) {
    const guildId = randomUUID();
    const invite = create(InviteSchema, {
      inviteId: randomUUID(),
      guildId,
      guildName,
      guildTag: "TST",
      characterId: to.characterId,
      characterName: to.name,
      invitedByCharacterId: from.characterId,
      invitedByCharacterName: from.name,
      state: InviteState.PENDING,
    });
    return event("guild", "guilds", "guild", guildId, InviteSentSchema, { invite });
  }

  /** Keyed like combat's events by the caster (the victor) unless `key` says otherwise: events of one key stay in order. */
  function defeated(victim: Hero, victor: Hero, key = victor.characterId) {
    return event("combat", "casts", "combat", key, CharacterDefeatedSchema, {
      castId: randomUUID(),
      defeatedId: victim.characterId,
      defeatedPlayerId: victim.player.accountId,
      victorCharacterId: victor.characterId,
      victorPlayerId: victor.player.accountId,
      defeatTime: timestampFromDate(new Date()),
    });
  }

  function levelUp(hero: Hero, level: number) {
    return event("progression", "progress", "progression", hero.characterId, LevelReachedSchema, { characterId: hero.characterId, playerId: hero.player.accountId, level, reachTime: timestampFromDate(new Date()) });
  }

  return { notification, send, hero, known, tradeProposed, tradeSettled, inviteSent, defeated, levelUp, topic };
}
