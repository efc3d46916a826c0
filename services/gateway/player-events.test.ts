import { randomUUID } from "node:crypto";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { GatewayService, type StreamPlayerEventsResponse } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { useStack } from "../../scripts/test/stack.js";
import { edgeTransports, refusal, signUpAtEdge, waitForOpenStreams, type EdgePlayer } from "./test-support.js";

// Mana regenerates fast here so a fight is not paced by it; two streams per player make the limit reachable.
const stack = useStack(["identity", "player", "combat", "progression", "gateway"], {
  env: { CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "1000", CHAOS_GATEWAY_MAX_STREAMS_PER_PLAYER: "2" },
});

const [[, grpcOf], [, connectOf]] = edgeTransports;

async function characterOf(transport: Transport, player: EdgePlayer, characterClass = CharacterClass.MAGE): Promise<string> {
  const name = `Ev${randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const { character } = await createClient(PlayerService, transport).createCharacter({ name, characterClass }, player.auth);
  return character!.characterId;
}

/** A player's open feed: items are read as they come, so a test can wait for the one it expects. */
function openFeed(transport: Transport, player: EdgePlayer, characterIds: string[] = []) {
  const aborter = new AbortController();
  const received: StreamPlayerEventsResponse[] = [];
  const stream = createClient(GatewayService, transport).streamPlayerEvents({ characterIds }, { ...player.auth, signal: aborter.signal, timeoutMs: 60_000 });
  const ended = (async () => {
    for await (const item of stream) received.push(item);
  })().catch((error: unknown) => error);
  return {
    received,
    ended,
    /** The first received item of `kind` (waiting up to `withinMs` for it). */
    async next<K extends NonNullable<StreamPlayerEventsResponse["item"]["case"]>>(kind: K, withinMs = 10_000) {
      await expect.poll(() => received.some((r) => r.item.case === kind), { timeout: withinMs, interval: 10 }).toBe(true);
      return received.find((r) => r.item.case === kind)!.item as Extract<StreamPlayerEventsResponse["item"], { case: K }>;
    },
    close: () => aborter.abort(),
  };
}

describe("StreamPlayerEvents", () => {
  it("delivers DamageTaken within a second after another player's fireball hits your character (gRPC)", async () => {
    const transport = grpcOf(stack);
    const [attacker, target] = await Promise.all([signUpAtEdge(transport), signUpAtEdge(transport)]);
    const [attackerCharacter, targetCharacter] = await Promise.all([characterOf(transport, attacker), characterOf(transport, target, CharacterClass.WARRIOR)]);
    const feed = openFeed(transport, target);
    await waitForOpenStreams(stack, 1);

    const cast = await createClient(CombatService, transport).castSpell({ casterCharacterId: attackerCharacter, spellId: "fireball", targetId: targetCharacter }, attacker.auth);
    // The contract promises events within a second of happening.
    const damage = await feed.next("damageTaken", 1_000);
    expect(damage.value).toMatchObject({
      characterId: targetCharacter,
      sourceCharacterId: attackerCharacter,
      spellId: "fireball",
      amount: cast.damage,
      healthAfter: cast.targetHealth,
    });
    expect(feed.received[0]?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(feed.received[0]?.occurTime).toBeDefined();
    feed.close();
    await feed.ended;
    await waitForOpenStreams(stack, 0);
  });

  it("keeps to the characters a stream asked for, and tells both players of a defeat and the victor of its progress (Connect over HTTP/1.1)", async () => {
    const transport = connectOf(stack);
    const [attacker, target] = await Promise.all([signUpAtEdge(transport), signUpAtEdge(transport)]);
    const [attackerCharacter, spared, victim] = await Promise.all([characterOf(transport, attacker), characterOf(transport, target), characterOf(transport, target)]);
    const victimFeed = openFeed(transport, target, [victim]);
    const attackerFeed = openFeed(transport, attacker);
    await waitForOpenStreams(stack, 2);

    const combat = createClient(CombatService, transport);
    const bolt = (targetId: string) => combat.castSpell({ casterCharacterId: attackerCharacter, spellId: "arcane_bolt", targetId }, attacker.auth);
    await bolt(spared);
    let last = await bolt(victim);
    // The first item of the filtered stream is the hit on the character it asked for: the hit on the other was left out.
    const first = await victimFeed.next("damageTaken");
    expect(first.value.characterId).toBe(victim);
    expect(first.value.healthAfter).toBe(last.targetHealth);
    while (!last.targetDefeated) last = await bolt(victim);

    expect((await victimFeed.next("characterDefeated")).value).toMatchObject({ defeatedId: victim, victorCharacterId: attackerCharacter });
    expect((await attackerFeed.next("characterDefeated")).value).toMatchObject({ defeatedId: victim, victorCharacterId: attackerCharacter });
    expect(victimFeed.received.every((r) => r.item.case !== "damageTaken" || r.item.value.characterId === victim)).toBe(true);
    // The hits and the defeat (100 XP) are worth more than level 2 needs; the first defeat is first_blood.
    expect((await attackerFeed.next("levelUp")).value).toMatchObject({ characterId: attackerCharacter, level: expect.any(Number) });
    expect((await attackerFeed.next("achievementUnlocked")).value).toMatchObject({ characterId: attackerCharacter, achievementId: "first_blood" });
    victimFeed.close();
    attackerFeed.close();
    await Promise.all([victimFeed.ended, attackerFeed.ended]);
    await waitForOpenStreams(stack, 0);
  });

  it("refuses a player's stream beyond the limit with RESOURCE_EXHAUSTED and RetryInfo, and takes one again once a stream closed", async () => {
    const transport = grpcOf(stack);
    const me = await signUpAtEdge(transport);
    const feeds = [openFeed(transport, me), openFeed(transport, me)];
    await waitForOpenStreams(stack, 2);

    const third = openFeed(transport, me);
    const error = await refusal(third.ended.then((outcome) => (outcome === undefined ? undefined : Promise.reject(outcome))));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(errorInfoOf(error)).toMatchObject({ reason: "ERROR_REASON_RATE_LIMITED", domain: "gateway.chaos.world", metadata: { limit: "player" } });
    expect(durationMs(error.findDetails(RetryInfoSchema)[0]!.retryDelay!)).toBeGreaterThan(0);

    // Another player is not affected.
    const other = openFeed(transport, await signUpAtEdge(transport));
    await waitForOpenStreams(stack, 3);

    feeds[0]!.close();
    await waitForOpenStreams(stack, 2);
    const again = openFeed(transport, me);
    await waitForOpenStreams(stack, 3);
    for (const feed of [feeds[1]!, other, again]) feed.close();
    await waitForOpenStreams(stack, 0);
  });

  it("holds the limit across gateway replicas: a player's streams on one count on the other, and one closed frees a place on either", async () => {
    const replica = await stack.startReplica("gateway");
    try {
      const first = grpcOf(stack);
      const second = createGrpcTransport({ baseUrl: `http://127.0.0.1:${replica.ports.edge}` });
      const me = await signUpAtEdge(first);
      const feeds = [openFeed(first, me), openFeed(first, me)];
      await waitForOpenStreams(stack, 2);

      // The limit is 2: the second gateway refuses a third though it holds none of this player's streams.
      const refused = openFeed(second, me);
      const error = await refusal(refused.ended.then((outcome) => (outcome === undefined ? undefined : Promise.reject(outcome))));
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(errorInfoOf(error)).toMatchObject({ reason: "ERROR_REASON_RATE_LIMITED", metadata: { limit: "player", max_streams: "2" } });

      // One closed on the first gateway frees a place on the second.
      feeds[0]!.close();
      await waitForOpenStreams(stack, 1);
      const there = openFeed(second, me);
      await expect.poll(async () => (await (await fetch(`http://127.0.0.1:${replica.ports.admin}/metrics`)).text()).match(/^chaos_gateway_feed_streams(?:\{[^}]*\})? (\d+)$/m)?.[1], { timeout: 10_000 }).toBe("1");
      for (const feed of [feeds[1]!, there]) feed.close();
      await waitForOpenStreams(stack, 0);
    } finally {
      await replica.stop();
    }
  });
});
