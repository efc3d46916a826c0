import { randomUUID } from "node:crypto";
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Redis } from "ioredis";
import { describe, expect, inject, it } from "vitest";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { file_chaos_progression_v1_events } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { ProgressionInternalService } from "@chaos/gen/chaos/progression/v1/progression_internal_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";
import { topicName } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { useStack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, readTopicUntil, type PublishedEvent } from "../../../scripts/test/topic-events.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";

// Player and combat are not in the stack: the test publishes their events itself, as their outbox relays would.
const stack = useStack(["identity", "inventory", "progression"]);
const progression = () => stack.operator.client(ProgressionService, "progression");
const internal = () => stack.operator.client(ProgressionInternalService, "progression");
const inventory = () => stack.operator.client(InventoryService, "inventory");
const brokers = () => inject("infra").kafka;
const worldTopic = (domain: string, stream: string) => `${stack.world}.${topicName(domain, stream)}`;

const trainingTarget = "7d1a0000-0000-4000-8000-000000000001";

/** Player's and combat's events about one character, built the way those services build them. */
function eventsOf(player: TestPlayer, characterId: string) {
  const combat = <Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): PublishedEvent =>
    cloudEvent(worldTopic("combat", "casts"), "spiffe://chaos.world/ns/chaos/sa/combat", characterId, schema, message);
  return {
    created: (name: string) =>
      cloudEvent(
        worldTopic("player", "characters"),
        "spiffe://chaos.world/ns/chaos/sa/player",
        characterId,
        CharacterCreatedSchema,
        create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name, characterClass: CharacterClass.MAGE }),
      ),
    cast: () =>
      combat(SpellCastSchema, create(SpellCastSchema, { castId: randomUUID(), casterCharacterId: characterId, casterPlayerId: player.accountId, targetId: trainingTarget, spellId: "fireball", school: School.FIRE, manaSpent: 25 })),
    hit: (amount: number, targetId = trainingTarget, targetPlayerId = "") =>
      combat(DamageDealtSchema, create(DamageDealtSchema, { castId: randomUUID(), sourceCharacterId: characterId, targetId, targetPlayerId, amount, school: School.FIRE })),
    defeat: (defeatedId = trainingTarget, defeatedPlayerId = "") =>
      combat(
        CharacterDefeatedSchema,
        create(CharacterDefeatedSchema, { castId: randomUUID(), defeatedId, defeatedPlayerId, victorCharacterId: characterId, victorPlayerId: player.accountId }),
      ),
  };
}

/** A character announced by player's CharacterCreated; resolves once progression knows it. */
async function newCharacter(player: TestPlayer, name = `Hero${randomUUID().slice(0, 6)}`) {
  const characterId = randomUUID();
  const events = eventsOf(player, characterId);
  await publish(brokers(), [events.created(name)]);
  await eventually(() => progression().getProgress({ characterId }, player.asPlayer), (r) => r.progress?.level === 1);
  return { characterId, name, events };
}

async function progressOnceAt(player: TestPlayer, characterId: string, experience: bigint) {
  const { progress } = await eventually(() => progression().getProgress({ characterId }, player.asPlayer), (r) => r.progress?.experience === experience);
  return progress!;
}

async function fullBoard(player: TestPlayer, board: Board) {
  const entries = [];
  let pageToken = "";
  do {
    const page = await progression().getLeaderboard({ board, pageSize: 2, pageToken }, player.asPlayer);
    entries.push(...page.entries);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return entries;
}

describe("progression (real processes: identity + inventory + progression; combat's and player's events published by the test)", () => {
  it("turns damage and defeats into experience, levels, first_blood, events, rewards and leaderboard ranks", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const rival = await newCharacter(alice);

    await publish(brokers(), [hero.events.cast(), hero.events.hit(60), hero.events.hit(50), hero.events.defeat()]);
    const progress = await progressOnceAt(alice, hero.characterId, 160n);
    expect(progress).toMatchObject({ characterId: hero.characterId, experience: 160n, level: 2, experienceToNextLevel: 140n, defeats: 1n, achievementPoints: 10n });
    const { achievements } = await progression().listAchievements({ characterId: hero.characterId }, alice.asPlayer);
    expect(achievements.map((a) => [a.achievementId, a.unlocked])).toEqual([
      ["first_blood", true],
      ["ten_defeats", false],
      ["level_5", false],
    ]);

    const events = await readTopicUntil(brokers(), worldTopic("progression", "progress"), [file_chaos_progression_v1_events], (all) =>
      all.some((e) => e.type === "chaos.progression.v1.AchievementUnlocked" && e.subject === hero.characterId),
    );
    const heroEvents = events.filter((e) => e.subject === hero.characterId);
    expect(heroEvents.filter((e) => e.type === "chaos.progression.v1.ExperienceGained").map((e) => [e.message.amount, e.message.experienceAfter])).toEqual([
      [60n, 60n],
      [50n, 110n],
      [50n, 160n],
    ]);
    expect(heroEvents.filter((e) => e.type === "chaos.progression.v1.LevelReached").map((e) => e.message)).toMatchObject([
      { characterId: hero.characterId, playerId: alice.accountId, level: 2 },
    ]);
    expect(heroEvents.filter((e) => e.type === "chaos.progression.v1.AchievementUnlocked").map((e) => e.message)).toMatchObject([
      { characterId: hero.characterId, playerId: alice.accountId, achievementId: "first_blood", title: "First Blood", points: 10 },
    ]);

    // Reaching level 2 pays 50 × 2 gold through inventory, on top of the 100 of the starter kit.
    const { wallet } = await eventually(() => inventory().getWallet({ characterId: hero.characterId }, alice.asPlayer), (r) => r.wallet?.balance === 200n);
    expect(wallet?.balance).toBe(200n);

    // A player's character teaches more than a training target: 100 experience.
    await publish(brokers(), [rival.events.hit(40), rival.events.defeat(hero.characterId, alice.accountId), rival.events.hit(200)]);
    await progressOnceAt(alice, rival.characterId, 340n);
    const level = await eventually(() => fullBoard(alice, Board.LEVEL), (entries) => entries[0]?.score === 340n && entries.length === 2);
    expect(level.map((e) => [e.rank, e.characterId, e.characterName, e.score])).toEqual([
      [1n, rival.characterId, rival.name, 340n],
      [2n, hero.characterId, hero.name, 160n],
    ]);
    expect((await progression().getLeaderboardRank({ board: Board.LEVEL, characterId: hero.characterId }, alice.asPlayer)).entry).toMatchObject({ rank: 2n, score: 160n });
    const defeats = await eventually(() => fullBoard(alice, Board.DEFEATS), (entries) => entries.length === 2);
    expect(defeats.map((e) => e.score)).toEqual([1n, 1n]);
    const loner = await newCharacter(alice);
    expect(await refusalOf(progression().getLeaderboardRank({ board: Board.LEVEL, characterId: loner.characterId }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_NOT_RANKED",
    });
  });

  it("changes nothing when an event is delivered again (same ce_id), or a grant repeats its source event", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const defeat = hero.events.defeat();
    await publish(brokers(), [defeat]);
    const before = await progressOnceAt(alice, hero.characterId, 50n);

    // The same event again, then a fresh one behind it on the same partition: once the fresh one counted, the copy was handled.
    await publish(brokers(), [defeat, hero.events.hit(1)]);
    const after = await progressOnceAt(alice, hero.characterId, 51n);
    expect(after).toMatchObject({ experience: 51n, defeats: before.defeats, achievementPoints: before.achievementPoints });

    const sourceEventId = `liveops:${randomUUID()}`;
    const first = await internal().grantExperience({ characterId: hero.characterId, experience: 49n, sourceEventId });
    expect(first).toMatchObject({ duplicate: false, progress: { experience: 100n, level: 2 } });
    const again = await internal().grantExperience({ characterId: hero.characterId, experience: 49n, sourceEventId });
    expect(again).toMatchObject({ duplicate: true, progress: { experience: 100n, level: 2 } });
    expect((await progression().getProgress({ characterId: hero.characterId }, alice.asPlayer)).progress).toMatchObject({ experience: 100n, level: 2 });
  });

  it("unlocks ten_defeats and level_5, each once, with a LevelReached for every level passed", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    await publish(brokers(), Array.from({ length: 10 }, () => hero.events.defeat()));
    await progressOnceAt(alice, hero.characterId, 500n);
    await internal().grantExperience({ characterId: hero.characterId, experience: 500n, sourceEventId: `quest:${randomUUID()}` });
    const { progress } = await progression().getProgress({ characterId: hero.characterId }, alice.asPlayer);
    expect(progress).toMatchObject({ experience: 1000n, level: 5, defeats: 10n, achievementPoints: 10n + 25n + 20n });
    const { achievements } = await progression().listAchievements({ characterId: hero.characterId }, alice.asPlayer);
    expect(achievements.every((a) => a.unlocked)).toBe(true);
    const events = await readTopicUntil(brokers(), worldTopic("progression", "progress"), [file_chaos_progression_v1_events], (all) =>
      all.filter((e) => e.subject === hero.characterId && e.type === "chaos.progression.v1.LevelReached").length >= 4,
    );
    const mine = events.filter((e) => e.subject === hero.characterId);
    expect(mine.filter((e) => e.type === "chaos.progression.v1.LevelReached").map((e) => e.message.level)).toEqual([2, 3, 4, 5]);
    expect(mine.filter((e) => e.type === "chaos.progression.v1.AchievementUnlocked").map((e) => e.message.achievementId)).toEqual(["first_blood", "ten_defeats", "level_5"]);
    // Levels 2 to 5 pay 50 × (2 + 3 + 4 + 5) gold.
    const { wallet } = await eventually(() => inventory().getWallet({ characterId: hero.characterId }, alice.asPlayer), (r) => r.wallet?.balance === 100n + 700n);
    expect(wallet?.balance).toBe(800n);
  });

  it("rebuilds a deleted leaderboard from the event history into the same board (admin only, one rebuild at a time)", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    await publish(brokers(), [hero.events.hit(30), hero.events.defeat()]);
    await progressOnceAt(alice, hero.characterId, 80n);
    const boards = [Board.LEVEL, Board.DEFEATS, Board.ACHIEVEMENT_POINTS];
    const before = new Map<Board, Awaited<ReturnType<typeof fullBoard>>>();
    for (const board of boards) {
      before.set(board, await eventually(() => fullBoard(alice, board), (entries) => entries.some((e) => e.characterId === hero.characterId)));
    }

    const redis = new Redis(inject("infra").redisUrl, { keyPrefix: `${stack.world}:progression:` });
    try {
      await redis.del("board:level", "board:defeats", "board:achievement_points");
      expect((await progression().getLeaderboard({ board: Board.LEVEL }, alice.asPlayer)).entries).toEqual([]);

      expect(await refusalOf(progression().rebuildLeaderboard({ board: Board.LEVEL }, alice.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
      await redis.set("board:level:rebuild-lock", "another-rebuild", "PX", 30_000);
      expect(await refusalOf(progression().rebuildLeaderboard({ board: Board.LEVEL }))).toMatchObject({ code: Code.Aborted, reason: "ERROR_REASON_REBUILD_IN_PROGRESS" });
      await redis.del("board:level:rebuild-lock");

      for (const board of boards) {
        const report = await progression().rebuildLeaderboard({ board });
        const rebuilt = await fullBoard(alice, board);
        expect(rebuilt).toEqual(before.get(board));
        expect(report.entries).toBe(BigInt(rebuilt.length));
        expect(report.eventsReplayed).toBeGreaterThanOrEqual(report.entries);
      }
    } finally {
      redis.disconnect();
    }
  });

  it("answers CHARACTER_NOT_FOUND for a character without progression, and needs a player token to read", async () => {
    const alice = await signUp(stack);
    expect(await refusalOf(progression().getProgress({ characterId: randomUUID() }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_CHARACTER_NOT_FOUND",
    });
    expect(await refusalOf(progression().getLeaderboard({ board: Board.LEVEL }))).toMatchObject({ code: Code.Unauthenticated });
    expect(await refusalOf(progression().getLeaderboard({ board: Board.UNSPECIFIED }, alice.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(progression().getLeaderboard({ board: Board.LEVEL, pageToken: "forged" }, alice.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
  });
});
