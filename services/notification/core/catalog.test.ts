import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CharacterDefeatedSchema } from "@chaos/gen/chaos/combat/v1/events_pb.js";
import { MatchFoundSchema } from "@chaos/gen/chaos/matchmaking/v1/events_pb.js";
import { ActionAppliedSchema, ActionLiftedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { OrderFulfilledSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { Category } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import { AchievementUnlockedSchema } from "@chaos/gen/chaos/progression/v1/events_pb.js";
import { TradeProposedSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { notificationCatalog, type CatalogEntry } from "./catalog.js";

const entryOf = (typeName: string): CatalogEntry => {
  const entry = notificationCatalog.find((e) => e.schema.typeName === typeName);
  if (entry === undefined) throw new Error(`no catalog entry for ${typeName}`);
  return entry;
};
const to = { playerId: "p1", characterId: "c1", characterName: "Mira" };

describe("the notification catalog", () => {
  it("has one entry per event type, each with a kind of its own", () => {
    expect(new Set(notificationCatalog.map((e) => e.schema.typeName)).size).toBe(notificationCatalog.length);
    expect(new Set(notificationCatalog.map((e) => e.kind)).size).toBe(notificationCatalog.length);
  });

  it("addresses an achievement to its character's player and names the achievement", () => {
    const entry = entryOf(AchievementUnlockedSchema.typeName);
    const event = create(AchievementUnlockedSchema, { characterId: "c1", playerId: "p1", achievementId: "first_blood", title: "First Blood", points: 10 });
    expect(entry.category).toBe(Category.PROGRESSION);
    expect(entry.recipients(event)).toEqual([{ characterId: "c1", playerId: "p1" }]);
    expect(entry.render(event, to)).toEqual({ title: "Mira unlocked “First Blood”", body: "Achievement “First Blood” (+10 points).", link: "chaos://characters/c1/achievements/first_blood" });
  });

  it("tells the counterparty of an offer what is given and asked, items by name", () => {
    const entry = entryOf(TradeProposedSchema.typeName);
    const event = create(TradeProposedSchema, {
      trade: {
        tradeId: "t1",
        proposer: { characterId: "c2", name: "Bram" },
        counterparty: { characterId: "c1", name: "Mira" },
        offer: { gold: 30n, items: [{ itemId: "i1", quantity: 2n, definitionId: "potion_of_mana", displayName: "Potion of Mana" }] },
        request: { gold: 10n },
      },
    });
    expect(entry.recipients(event)).toEqual([{ characterId: "c1" }]);
    expect(entry.render(event, to)).toMatchObject({ title: "Bram offers Mira a trade", body: "They give 30 gold, 2 × Potion of Mana and ask for 10 gold." });
  });

  it("tells nobody of a training dummy's defeat", () => {
    const entry = entryOf(CharacterDefeatedSchema.typeName);
    expect(entry.recipients(create(CharacterDefeatedSchema, { defeatedId: "dummy", defeatedPlayerId: "", victorCharacterId: "c1", victorPlayerId: "p1" }))).toEqual([]);
  });

  it("tells every player of a match found, on both teams, to answer the ready check", () => {
    const entry = entryOf(MatchFoundSchema.typeName);
    const event = create(MatchFoundSchema, {
      match: { matchId: "m1", queueId: "ranked-3v3", teams: [{ teamIndex: 0, characterIds: ["c1", "c2"] }, { teamIndex: 1, characterIds: ["c3"] }] },
    });
    expect(entry.category).toBe(Category.MATCHMAKING);
    expect(entry.recipients(event)).toEqual([{ characterId: "c1" }, { characterId: "c2" }, { characterId: "c3" }]);
    expect(entry.render(event, to)).toEqual({
      title: "Match found for Mira",
      body: "A ranked-3v3 match is ready: accept it in the arena before the ready check closes.",
      link: "chaos://matches/m1",
    });
  });

  it("sends a receipt to the buyer of a gold pack, naming the price and the character", () => {
    const entry = entryOf(OrderFulfilledSchema.typeName);
    const event = create(OrderFulfilledSchema, { order: { orderId: "o1", accountId: "p1", characterId: "c1", gold: 1200n, price: { amountMinor: 999n, currency: "EUR" } } });
    expect(entry.category).toBe(Category.BILLING);
    expect(entry.recipients(event)).toEqual([{ characterId: "c1", playerId: "p1" }]);
    expect(entry.render(event, to)).toEqual({ title: "Receipt: 1,200 gold for Mira", body: "You paid €9.99; the gold is in Mira's wallet. Order o1.", link: "chaos://orders/o1" });
  });

  it("tells a player of a restriction on their account and of its end, but never of a flag for review", () => {
    const applied = entryOf(ActionAppliedSchema.typeName);
    const restriction = create(ActionAppliedSchema, { action: { actionId: "a1", playerId: "p1", kind: ActionKind.TRADE_RESTRICTION, reason: "Gold funnelled from many accounts." } });
    expect(applied.category).toBe(Category.ACCOUNT);
    expect(applied.recipients(restriction)).toEqual([{ characterId: "", playerId: "p1" }]);
    expect(applied.render(restriction, to)).toMatchObject({ title: "Trading is restricted on your account", link: "chaos://standing/actions/a1" });
    expect(applied.recipients(create(ActionAppliedSchema, { action: { actionId: "a2", playerId: "p1", kind: ActionKind.FLAG } }))).toEqual([]);
    const lifted = entryOf(ActionLiftedSchema.typeName);
    const ban = create(ActionLiftedSchema, { action: { actionId: "a3", playerId: "p1", kind: ActionKind.BAN, liftReason: "Overturned on appeal." } });
    expect(lifted.render(ban, to)).toEqual({ title: "Your account is no longer banned", body: "Lifted: Overturned on appeal.", link: "chaos://standing/actions/a3" });
  });
});
