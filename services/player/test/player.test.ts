import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { CharacterClass, CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerInternalService } from "@chaos/gen/chaos/player/v1/player_internal_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { useStack } from "../../../scripts/test/stack.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { file_chaos_player_v1_events } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { readTopicUntil, type TopicEvent } from "../../../scripts/test/topic-events.js";

const respawnSeconds = 3;
const stack = useStack(["identity", "player"], {
  env: { CHAOS_PLAYER_RESPAWN_SECONDS: String(respawnSeconds), CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: String(respawnSeconds) },
});
const players = () => stack.operator.client(PlayerService, "player");
const internal = () => stack.operator.client(PlayerInternalService, "player");

let nameCounter = 0;
/** A fresh valid name (3-16 letters, digits, underscores, starting with a letter). */
const freshName = () => `Hero${process.pid % 1000}_${++nameCounter}${randomUUID().slice(0, 4)}`.slice(0, 16);

async function newCharacter(player: TestPlayer, characterClass = CharacterClass.MAGE, name = freshName()): Promise<Character> {
  const { character } = await players().createCharacter({ name, characterClass }, player.asPlayer);
  return character!;
}

async function healthOf(player: TestPlayer, characterId: string): Promise<number> {
  const { character } = await players().getCharacter({ characterId }, player.asPlayer);
  return character!.stats!.health;
}

async function trainingTargets(player: TestPlayer): Promise<Character[]> {
  const { characters } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, player.asPlayer);
  return characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET);
}

describe("player service (real processes: identity + player)", () => {
  it("creates a character with its class's stats, next to the training targets, and lists it", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice, CharacterClass.MAGE);
    expect(mage).toMatchObject({ playerId: alice.accountId, characterClass: CharacterClass.MAGE, kind: CharacterKind.PLAYER, defeated: false });
    expect(mage.stats).toMatchObject({ health: 100, maxHealth: 100, mana: 120, maxMana: 120, power: 14, level: 1 });
    expect(mage.position?.zoneId).toBe("ember_plains");
    const targets = await trainingTargets(alice);
    expect(targets.map((t) => t.name).sort()).toEqual(["Training Dummy 1", "Training Dummy 2", "Training Dummy 3"]);
    for (const target of targets) {
      expect(target).toMatchObject({ playerId: "", stats: { maxHealth: 120, maxMana: 0, level: 1 } });
      const distance = Math.hypot(target.position!.x - mage.position!.x, target.position!.y - mage.position!.y, target.position!.z - mage.position!.z);
      expect(distance).toBeLessThanOrEqual(20);
    }

    const warrior = await newCharacter(alice, CharacterClass.WARRIOR);
    expect(warrior.stats).toMatchObject({ maxHealth: 150, maxMana: 40, power: 10 });
    const { characters } = await players().listMyCharacters({}, alice.asPlayer);
    expect(characters.map((c) => c.characterId)).toEqual([mage.characterId, warrior.characterId]);

    // Stats are public: another player may look, but sees none of it in their own list.
    const bob = await signUp(stack);
    expect((await players().getCharacter({ characterId: mage.characterId }, bob.asPlayer)).character?.name).toBe(mage.name);
    expect((await players().listMyCharacters({}, bob.asPlayer)).characters).toEqual([]);

    // Who owns a character is its owner's business: another player sees no account id, in a read or a zone's list.
    expect((await players().getCharacter({ characterId: mage.characterId }, bob.asPlayer)).character?.playerId).toBe("");
    expect((await players().getCharacter({ characterId: mage.characterId }, alice.asPlayer)).character?.playerId).toBe(alice.accountId);
    const zoneAsSeenBy = async (player: TestPlayer) => {
      const { characters } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, player.asPlayer);
      return characters.find((c) => c.characterId === mage.characterId);
    };
    expect(await zoneAsSeenBy(bob)).toMatchObject({ name: mage.name, kind: CharacterKind.PLAYER, playerId: "" });
    expect((await zoneAsSeenBy(alice))?.playerId).toBe(alice.accountId);
  });

  it("refuses a name that is taken in any case (ALREADY_EXISTS, NAME_TAKEN)", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const name = freshName();
    await newCharacter(alice, CharacterClass.ROGUE, name);
    const refusal = await refusalOf(players().createCharacter({ name: name.toUpperCase(), characterClass: CharacterClass.CLERIC }, bob.asPlayer));
    expect(refusal).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_NAME_TAKEN" });
    expect((await players().listMyCharacters({}, bob.asPlayer)).characters).toEqual([]);
  });

  it("allows five characters per player (FAILED_PRECONDITION, CHARACTER_LIMIT_REACHED, max 5)", async () => {
    const alice = await signUp(stack);
    for (let i = 0; i < 5; i++) await newCharacter(alice);
    const refusal = await refusalOf(players().createCharacter({ name: freshName(), characterClass: CharacterClass.MAGE }, alice.asPlayer));
    expect(refusal).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_CHARACTER_LIMIT_REACHED", metadata: { max: "5" } });
    expect((await players().listMyCharacters({}, alice.asPlayer)).characters).toHaveLength(5);
  });

  it("holds concurrent creates to the limit", async () => {
    const alice = await signUp(stack);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => newCharacter(alice)));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(5);
    expect((await players().listMyCharacters({}, alice.asPlayer)).characters).toHaveLength(5);
  });

  it("validates requests (INVALID_ARGUMENT) and changes nothing", async () => {
    const alice = await signUp(stack);
    for (const request of [
      { name: "1startsWithDigit", characterClass: CharacterClass.MAGE },
      { name: "ab", characterClass: CharacterClass.MAGE },
      { name: "has space", characterClass: CharacterClass.MAGE },
      { name: "ValidName", characterClass: CharacterClass.UNSPECIFIED },
    ]) {
      expect((await refusalOf(players().createCharacter(request, alice.asPlayer))).code).toBe(Code.InvalidArgument);
    }
    expect((await refusalOf(players().getCharacter({ characterId: "not-a-uuid" }, alice.asPlayer))).code).toBe(Code.InvalidArgument);
    expect((await players().listMyCharacters({}, alice.asPlayer)).characters).toEqual([]);
  });

  it("needs a signed-in player (UNAUTHENTICATED)", async () => {
    expect((await refusalOf(players().listMyCharacters({}))).code).toBe(Code.Unauthenticated);
  });

  it("moves a character within its zone and refuses positions outside it (INVALID_POSITION)", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice);
    const { character: moved } = await players().moveCharacter({ characterId: mage.characterId, position: { zoneId: "ember_plains", x: 150, y: 20, z: 0 } }, alice.asPlayer);
    expect(moved?.position).toMatchObject({ zoneId: "ember_plains", x: 150, y: 20, z: 0 });
    const { character: travelled } = await players().moveCharacter({ characterId: mage.characterId, position: { zoneId: "frost_hollow", x: 10, y: 10, z: 0 } }, alice.asPlayer);
    expect(travelled?.position?.zoneId).toBe("frost_hollow");

    for (const position of [
      { zoneId: "frost_hollow", x: 201, y: 10, z: 0 },
      { zoneId: "frost_hollow", x: 10, y: -0.5, z: 0 },
      { zoneId: "frost_hollow", x: Number.NaN, y: 10, z: 0 },
      { zoneId: "no_such_zone", x: 10, y: 10, z: 0 },
    ]) {
      const refusal = await refusalOf(players().moveCharacter({ characterId: mage.characterId, position }, alice.asPlayer));
      expect(refusal).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_POSITION" });
    }
    const { character } = await players().getCharacter({ characterId: mage.characterId }, alice.asPlayer);
    expect(character?.position).toMatchObject({ zoneId: "frost_hollow", x: 10, y: 10, z: 0 });
  });

  it("lets only the owner move or delete a character (PERMISSION_DENIED, NOT_CHARACTER_OWNER)", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const mage = await newCharacter(alice);
    const [dummy] = await trainingTargets(alice);
    const to = { zoneId: "ember_plains", x: 1, y: 1, z: 0 };
    for (const call of [
      () => players().moveCharacter({ characterId: mage.characterId, position: to }, bob.asPlayer),
      () => players().deleteCharacter({ characterId: mage.characterId }, bob.asPlayer),
      () => players().moveCharacter({ characterId: dummy!.characterId, position: to }, alice.asPlayer),
    ]) {
      expect(await refusalOf(call())).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    }
    expect(await refusalOf(players().deleteCharacter({ characterId: randomUUID() }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_CHARACTER_NOT_FOUND",
    });
    const { character } = await players().getCharacter({ characterId: mage.characterId }, alice.asPlayer);
    expect(character?.position).toEqual(mage.position);
  });

  it("deletes a character, which frees its name", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice);
    await players().deleteCharacter({ characterId: mage.characterId }, alice.asPlayer);
    expect(await refusalOf(players().getCharacter({ characterId: mage.characterId }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_CHARACTER_NOT_FOUND",
    });
    expect((await players().listMyCharacters({}, alice.asPlayer)).characters).toEqual([]);
    const again = await newCharacter(alice, CharacterClass.CLERIC, mage.name);
    expect(again.characterId).not.toBe(mage.characterId);
  });

  it("lists a zone page by page, with opaque page tokens", async () => {
    const alice = await signUp(stack);
    await Promise.all([newCharacter(alice), newCharacter(alice), newCharacter(alice)]);
    const { characters: all } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, alice.asPlayer);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 2, pageToken }, alice.asPlayer);
      expect(page.characters.length).toBeLessThanOrEqual(2);
      seen.push(...page.characters.map((c) => c.characterId));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual(all.map((c) => c.characterId));
    expect(new Set(seen).size).toBe(seen.length);
    expect(all.length).toBeGreaterThanOrEqual(6);

    expect((await players().listCharactersInZone({ zoneId: "no_such_zone" }, alice.asPlayer)).characters).toEqual([]);
    const first = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 1 }, alice.asPlayer);
    expect((await refusalOf(players().listCharactersInZone({ zoneId: "frost_hollow", pageToken: first.nextPageToken }, alice.asPlayer))).code).toBe(Code.InvalidArgument);
    expect((await refusalOf(players().listCharactersInZone({ zoneId: "ember_plains", pageToken: "garbage" }, alice.asPlayer))).code).toBe(Code.InvalidArgument);
  });

  it("applies a cast's damage once, however often it is sent (duplicate)", async () => {
    const alice = await signUp(stack);
    const warrior = await newCharacter(alice, CharacterClass.WARRIOR);
    const hit = { characterId: warrior.characterId, amount: 40, castId: randomUUID(), sourceCharacterId: randomUUID() };
    expect(await internal().applyDamage(hit)).toMatchObject({ healthAfter: 110, defeated: false, duplicate: false });
    expect(await internal().applyDamage(hit)).toMatchObject({ healthAfter: 110, defeated: false, duplicate: true });
    const [a, b] = await Promise.all([internal().applyDamage({ ...hit, castId: randomUUID() }), internal().applyDamage({ ...hit, castId: randomUUID() })]);
    expect([a.healthAfter, b.healthAfter].sort()).toEqual([30, 70]);
    expect(await healthOf(alice, warrior.characterId)).toBe(30);
  });

  it("composes concurrent hits on one character (row lock): none is lost", async () => {
    const alice = await signUp(stack);
    const warrior = await newCharacter(alice, CharacterClass.WARRIOR);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => internal().applyDamage({ characterId: warrior.characterId, amount: 5, castId: randomUUID(), sourceCharacterId: randomUUID() })),
    );
    expect(outcomes.map((o) => o.healthAfter).sort((x, y) => y - x)).toEqual(Array.from({ length: 20 }, (_, i) => 145 - 5 * i));
    expect(await healthOf(alice, warrior.characterId)).toBe(50);
  });

  it("defeats at zero, refuses further damage (CHARACTER_DEFEATED) and moves, then respawns after the delay", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice);
    const fatal = await internal().applyDamage({ characterId: mage.characterId, amount: 500, castId: randomUUID(), sourceCharacterId: randomUUID() });
    expect(fatal).toMatchObject({ healthAfter: 0, defeated: true, duplicate: false });
    const { character: down } = await players().getCharacter({ characterId: mage.characterId }, alice.asPlayer);
    expect(down).toMatchObject({ defeated: true, stats: { health: 0 } });
    const refusedHit = { characterId: mage.characterId, amount: 1, castId: randomUUID(), sourceCharacterId: randomUUID() };
    expect(await refusalOf(internal().applyDamage(refusedHit))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_CHARACTER_DEFEATED",
    });
    expect(await refusalOf(players().moveCharacter({ characterId: mage.characterId, position: { zoneId: "ember_plains", x: 1, y: 1, z: 0 } }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_CHARACTER_DEFEATED",
    });

    // Lazy respawn: after the delay, every read sees full health, and so does the next write.
    let health = 0;
    for (const deadline = Date.now() + 20_000; health === 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      health = (await internal().getCharacterState({ characterId: mage.characterId })).character!.stats!.health;
    }
    expect(health).toBe(100);
    expect((await players().getCharacter({ characterId: mage.characterId }, alice.asPlayer)).character?.defeated).toBe(false);
    // The refused cast stays refused after the respawn (combat recorded it as missed and refunded it): a
    // late attempt of it — a re-drive, a retry, one delayed on the network — must not land now.
    expect(await refusalOf(internal().applyDamage(refusedHit))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_CHARACTER_DEFEATED" });
    expect((await internal().getCharacterState({ characterId: mage.characterId })).character!.stats!.health).toBe(100);
    expect(await internal().applyDamage({ characterId: mage.characterId, amount: 10, castId: randomUUID(), sourceCharacterId: randomUUID() })).toMatchObject({
      healthAfter: 90,
      defeated: false,
    });
  });

  it("restores a character and sets its level with the level's stats", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice);
    await internal().applyDamage({ characterId: mage.characterId, amount: 30, castId: randomUUID(), sourceCharacterId: randomUUID() });
    const { character: leveled } = await internal().setLevel({ characterId: mage.characterId, level: 3 });
    // +10 max health and +1 power a level; damage taken is kept.
    expect(leveled?.stats).toMatchObject({ level: 3, maxHealth: 120, power: 16, health: 90 });
    const { character: restored } = await internal().restoreCharacter({ characterId: mage.characterId });
    expect(restored?.stats).toMatchObject({ health: 120, maxHealth: 120 });
    expect(await refusalOf(internal().setLevel({ characterId: randomUUID(), level: 2 }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND" });
    expect((await refusalOf(internal().setLevel({ characterId: mage.characterId, level: 0 }))).code).toBe(Code.InvalidArgument);
  });

  it("publishes its events on chaos.player.v1.characters, keyed by character", async () => {
    const alice = await signUp(stack);
    const mage = await newCharacter(alice);
    const castId = randomUUID();
    await players().moveCharacter({ characterId: mage.characterId, position: { zoneId: "ember_plains", x: 50, y: 50, z: 0 } }, alice.asPlayer);
    await internal().applyDamage({ characterId: mage.characterId, amount: 25, castId, sourceCharacterId: randomUUID() });
    await internal().setLevel({ characterId: mage.characterId, level: 2 });
    await players().deleteCharacter({ characterId: mage.characterId }, alice.asPlayer);

    const topic = `${stack.world}.chaos.player.v1.characters`;
    const expected = [
      "chaos.player.v1.CharacterCreated",
      "chaos.player.v1.CharacterMoved",
      "chaos.player.v1.CharacterHealthChanged",
      "chaos.player.v1.CharacterLevelChanged",
      // The level's extra maximum health comes with the level.
      "chaos.player.v1.CharacterHealthChanged",
      "chaos.player.v1.CharacterDeleted",
    ];
    const mine = (events: readonly TopicEvent[]) => events.filter((e) => e.subject === mage.characterId);
    const events = mine(await readTopicUntil(inject("infra").kafka, topic, [file_chaos_player_v1_events], (all) => mine(all).length >= expected.length));
    // One partition per character: its events arrive in the order they happened.
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events[0]!.message).toMatchObject({ characterId: mage.characterId, playerId: alice.accountId, name: mage.name, characterClass: CharacterClass.MAGE });
    expect(events[2]!.message).toMatchObject({ playerId: alice.accountId, healthBefore: 100, healthAfter: 75, castId });
    expect(events[3]!.message).toMatchObject({ level: 2 });
    expect(events[4]!.message).toMatchObject({ healthBefore: 75, healthAfter: 85, castId: "" });
  });
});
