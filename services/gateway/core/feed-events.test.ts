import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CharacterDefeatedSchema, DamageDealtSchema, SpellCastSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { NotificationCreatedSchema } from "@chaos/gen/chaos/notification/v1/events_pb.js";
import { Category, NotificationSchema } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { AchievementUnlockedSchema, LevelReachedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { describe, expect, it } from "vitest";
import { createFeedTranslator } from "./feed-events.js";

const at = new Date("2026-11-24T10:00:00Z");
const hit = (targetPlayerId: string) =>
  create(DamageDealtSchema, { castId: "cast-1", sourceCharacterId: "mage", targetId: "warrior", targetPlayerId, amount: 51, targetHealthAfter: 99, dealtTime: timestampFromDate(at) });

describe("feed translation", () => {
  it("turns a hit into DamageTaken for the target's player, naming the spell of its cast", () => {
    const translator = createFeedTranslator();
    expect(translator.translate({ kind: "spellCast", message: create(SpellCastSchema, { castId: "cast-1", spellId: "fireball" }) }, "e0", at)).toEqual([]);
    const [delivery, ...others] = translator.translate({ kind: "damageDealt", message: hit("player-b") }, "e1", new Date());
    expect(others).toEqual([]);
    expect(delivery?.playerId).toBe("player-b");
    expect(delivery?.characterIds).toEqual(["warrior"]);
    expect(delivery?.item.eventId).toBe("e1");
    expect(delivery?.item.occurTime).toEqual(timestampFromDate(at));
    expect(delivery?.item.item.case).toBe("damageTaken");
    expect(delivery?.item.item.value).toMatchObject({ characterId: "warrior", sourceCharacterId: "mage", spellId: "fireball", amount: 51, healthAfter: 99 });
  });

  it("reaches nobody for hits on training targets", () => {
    expect(createFeedTranslator().translate({ kind: "damageDealt", message: hit("") }, "e1", at)).toEqual([]);
  });

  it("leaves the spell empty when its cast was never seen", () => {
    const [delivery] = createFeedTranslator().translate({ kind: "damageDealt", message: hit("player-b") }, "e1", at);
    expect(delivery?.item.item.value).toMatchObject({ spellId: "" });
  });

  it("forgets the oldest casts beyond its memory", () => {
    const translator = createFeedTranslator({ rememberedCasts: 1 });
    translator.translate({ kind: "spellCast", message: create(SpellCastSchema, { castId: "cast-1", spellId: "fireball" }) }, "e0", at);
    translator.translate({ kind: "spellCast", message: create(SpellCastSchema, { castId: "cast-2", spellId: "arcane_bolt" }) }, "e1", at);
    const [delivery] = translator.translate({ kind: "damageDealt", message: hit("player-b") }, "e2", at);
    expect(delivery?.item.item.value).toMatchObject({ spellId: "" });
  });

  it("tells both the defeated and the victorious player of a defeat, once each", () => {
    const defeat = create(CharacterDefeatedSchema, { castId: "c", defeatedId: "warrior", defeatedPlayerId: "player-b", victorCharacterId: "mage", victorPlayerId: "player-a" });
    const deliveries = createFeedTranslator().translate({ kind: "characterDefeated", message: defeat }, "e3", at);
    expect(deliveries.map((d) => [d.playerId, d.characterIds])).toEqual([
      ["player-b", ["warrior"]],
      ["player-a", ["mage"]],
    ]);
    expect(deliveries[0]?.item.item).toMatchObject({ case: "characterDefeated", value: { defeatedId: "warrior", victorCharacterId: "mage" } });
    expect(deliveries[0]?.item.occurTime).toEqual(timestampFromDate(at));

    const ownCharacters = create(CharacterDefeatedSchema, { defeatedId: "alt", defeatedPlayerId: "player-a", victorCharacterId: "mage", victorPlayerId: "player-a" });
    expect(createFeedTranslator().translate({ kind: "characterDefeated", message: ownCharacters }, "e4", at).map((d) => [d.playerId, d.characterIds])).toEqual([
      ["player-a", ["alt", "mage"]],
    ]);
    const target = create(CharacterDefeatedSchema, { defeatedId: "dummy", victorCharacterId: "mage", victorPlayerId: "player-a" });
    expect(createFeedTranslator().translate({ kind: "characterDefeated", message: target }, "e5", at).map((d) => d.playerId)).toEqual(["player-a"]);
  });

  it("turns LevelReached into LevelUp and AchievementUnlocked into AchievementUnlocked for the character's player", () => {
    const translator = createFeedTranslator();
    const [level] = translator.translate({ kind: "levelReached", message: create(LevelReachedSchema, { characterId: "mage", playerId: "player-a", level: 2 }) }, "e6", at);
    expect(level).toMatchObject({ playerId: "player-a", characterIds: ["mage"], item: { eventId: "e6", item: { case: "levelUp", value: { characterId: "mage", level: 2 } } } });
    // No time of its own in the event: the CloudEvent's time stands in.
    expect(level?.item.occurTime).toEqual(timestampFromDate(at));
    const unlocked = create(AchievementUnlockedSchema, { characterId: "mage", playerId: "player-a", achievementId: "first_blood", title: "First Blood", points: 10 });
    const [achievement] = translator.translate({ kind: "achievementUnlocked", message: unlocked }, "e7", at);
    expect(achievement).toMatchObject({
      playerId: "player-a",
      item: { item: { case: "achievementUnlocked", value: { characterId: "mage", achievementId: "first_blood", title: "First Blood" } } },
    });
  });

  it("turns NotificationCreated into a Notification for the player it is for", () => {
    const notification = create(NotificationSchema, {
      notificationId: "n1",
      playerId: "player-b",
      category: Category.TRADE,
      kind: "trade.offer_received",
      title: "Alice offers Bob a trade",
      body: "They give 5 gold and ask for nothing.",
      link: "chaos://trades/t1",
      characterId: "warrior",
      createTime: timestampFromDate(at),
    });
    const [delivery, ...others] = createFeedTranslator().translate({ kind: "notificationCreated", message: create(NotificationCreatedSchema, { notification }) }, "e8", new Date());
    expect(others).toEqual([]);
    expect(delivery).toMatchObject({
      playerId: "player-b",
      characterIds: ["warrior"],
      item: {
        eventId: "e8",
        occurTime: timestampFromDate(at),
        item: { case: "notification", value: { notificationId: "n1", title: "Alice offers Bob a trade", kind: "trade.offer_received", category: "CATEGORY_TRADE", link: "chaos://trades/t1" } },
      },
    });
  });
});
