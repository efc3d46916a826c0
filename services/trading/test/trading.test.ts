import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, inject, it } from "vitest";
import { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { file_chaos_trading_v1_events } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TradeState, type TradeAssetsSchema } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradeRole, TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { topicName } from "@chaos/mesh";
import type { TestPlayer } from "../../../scripts/test/players.js";
import { Code, refusal, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { createHero, type Hero } from "./heroes.js";
import { eventually, readTopicUntil } from "../../../scripts/test/topic-events.js";

const maxOpen = 3;
const proposalsPerMinute = 12;
const stack = useStack(["identity", "player", "inventory", "trading"], {
  env: { CHAOS_TRADING_MAX_OPEN_TRADES: String(maxOpen), CHAOS_TRADING_PROPOSALS_PER_MINUTE: String(proposalsPerMinute) },
});
const trading = () => stack.operator.client(TradingService, "trading");
const inventory = () => stack.operator.client(InventoryService, "inventory");
const inventoryInternal = () => stack.operator.client(InventoryInternalService, "inventory");
const players = () => stack.operator.client(PlayerService, "player");
const tradeTopic = () => `${stack.world}.${topicName("trading", "trades")}`;

const newHero = (player?: TestPlayer) => createHero(stack, player);

async function assetsOf(hero: Hero) {
  const [{ wallet }, { items }] = await Promise.all([
    inventory().getWallet({ characterId: hero.characterId }, hero.player.asPlayer),
    inventory().listItems({ characterId: hero.characterId }, hero.player.asPlayer),
  ]);
  const potions = items.find((i) => i.definitionId === "potion_of_mana");
  return { gold: wallet!.balance, heldGold: wallet!.held, potions: potions?.quantity ?? 0n, heldPotions: potions?.heldQuantity ?? 0n, potionStack: potions?.itemId ?? "" };
}

function propose(from: Hero, to: Hero, offer: MessageInitShape<typeof TradeAssetsSchema>, request: MessageInitShape<typeof TradeAssetsSchema>, extra: { ttlMs?: number; key?: string } = {}) {
  return trading().proposeTrade(
    {
      proposerCharacterId: from.characterId,
      counterpartyCharacterId: to.characterId,
      offer,
      request,
      ttl: extra.ttlMs === undefined ? undefined : durationFromMs(extra.ttlMs),
      idempotencyKey: extra.key ?? randomUUID(),
    },
    from.player.asPlayer,
  );
}

describe("trading (real processes: identity, player, inventory, trading)", () => {
  it("settles an accepted trade: each side gets what the other gave, nothing stays held, and the events tell the story", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const [aliceBefore, bobBefore] = await Promise.all([assetsOf(alice), assetsOf(bob)]);
    const { trade: offered } = await propose(alice, bob, { gold: 30n, items: [{ itemId: aliceBefore.potionStack, quantity: 1n }] }, { gold: 10n, items: [{ itemId: bobBefore.potionStack, quantity: 2n }] });
    expect(offered).toMatchObject({
      state: TradeState.PROPOSED,
      proposer: { characterId: alice.characterId, name: alice.name },
      counterparty: { characterId: bob.characterId, name: bob.name },
      offer: { gold: 30n, items: [{ itemId: aliceBefore.potionStack, quantity: 1n, definitionId: "potion_of_mana", displayName: "Potion of Mana" }] },
      request: { gold: 10n, items: [{ itemId: bobBefore.potionStack, quantity: 2n, definitionId: "potion_of_mana" }] },
    });
    // Nothing is held while the offer waits.
    expect(await assetsOf(alice)).toMatchObject({ gold: 100n, heldGold: 0n, heldPotions: 0n });

    const incoming = await trading().listTrades({ characterId: bob.characterId, role: TradeRole.COUNTERPARTY, states: [TradeState.PROPOSED] }, bob.player.asPlayer);
    expect(incoming.trades.map((t) => t.tradeId)).toEqual([offered!.tradeId]);

    const { trade: settled } = await trading().acceptTrade({ tradeId: offered!.tradeId }, bob.player.asPlayer);
    expect(settled?.state).toBe(TradeState.SETTLED);
    expect(settled?.closeTime).toBeDefined();
    expect(await assetsOf(alice)).toMatchObject({ gold: 80n, heldGold: 0n, potions: 4n, heldPotions: 0n });
    expect(await assetsOf(bob)).toMatchObject({ gold: 120n, heldGold: 0n, potions: 2n, heldPotions: 0n });

    // Accepting again answers the same settled trade, moving nothing.
    const again = await trading().acceptTrade({ tradeId: offered!.tradeId }, bob.player.asPlayer);
    expect(again.trade).toMatchObject({ tradeId: offered!.tradeId, state: TradeState.SETTLED });
    expect(await assetsOf(bob)).toMatchObject({ gold: 120n, potions: 2n });

    const events = await readTopicUntil(inject("infra").kafka, tradeTopic(), [file_chaos_trading_v1_events], (all) =>
      all.some((e) => e.subject === offered!.tradeId && e.type.endsWith("TradeSettled")),
    );
    expect(events.filter((e) => e.subject === offered!.tradeId).map((e) => e.type)).toEqual([
      "chaos.trading.v1.TradeProposed",
      "chaos.trading.v1.TradeAccepted",
      "chaos.trading.v1.TradeSettled",
    ]);
  });

  it("compensates when a side's assets are gone by the time of acceptance: the other side's hold is released and nothing moves", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const { trade: offered } = await propose(alice, bob, { gold: 50n }, { gold: 40n });
    // Bob spends his gold before he accepts.
    await inventoryInternal().spendGold({ characterId: bob.characterId, amount: 90n, idempotencyKey: randomUUID(), reason: "test: bob buys a horse" });
    const { trade } = await trading().acceptTrade({ tradeId: offered!.tradeId }, bob.player.asPlayer);
    expect(trade).toMatchObject({ state: TradeState.COMPENSATED, failureReason: 5 /* ASSETS_UNAVAILABLE */ });
    expect(trade!.failureMessage).toContain(bob.name);
    expect(await assetsOf(alice)).toMatchObject({ gold: 100n, heldGold: 0n });
    expect(await assetsOf(bob)).toMatchObject({ gold: 10n, heldGold: 0n });
    const events = await readTopicUntil(inject("infra").kafka, tradeTopic(), [file_chaos_trading_v1_events], (all) =>
      all.some((e) => e.subject === offered!.tradeId && e.type.endsWith("TradeCompensated")),
    );
    expect(events.filter((e) => e.subject === offered!.tradeId).map((e) => e.type).at(-1)).toBe("chaos.trading.v1.TradeCompensated");
  });

  it("refuses bad offers with a reason and records nothing", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const before = await trading().listTrades({ characterId: alice.characterId }, alice.player.asPlayer);

    expect(await refusalOf(propose(alice, alice, { gold: 1n }, {}))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_SELF_TRADE" });
    expect(await refusalOf(propose(alice, bob, {}, {}))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_EMPTY_TRADE" });
    // Bob's character, proposed from by Alice's player.
    const stolen = trading().proposeTrade({ proposerCharacterId: bob.characterId, counterpartyCharacterId: alice.characterId, offer: { gold: 1n }, request: {}, idempotencyKey: randomUUID() }, alice.player.asPlayer);
    expect(await refusalOf(stolen)).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });
    const ghost = { ...bob, characterId: randomUUID() };
    expect(await refusalOf(propose(alice, ghost, { gold: 1n }, {}))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND" });
    const tooRich = await refusalOf(propose(alice, bob, { gold: 101n }, {}));
    expect(tooRich).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_ASSETS_UNAVAILABLE", metadata: { character_id: alice.characterId, inventory_reason: "ERROR_REASON_INSUFFICIENT_FUNDS" } });
    const bobStack = (await assetsOf(bob)).potionStack;
    // Alice offers a stack that is Bob's, not hers.
    expect(await refusalOf(propose(alice, bob, { items: [{ itemId: bobStack, quantity: 1n }] }, {}))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_ASSETS_UNAVAILABLE",
      metadata: { item_id: bobStack, inventory_reason: "ERROR_REASON_ITEM_NOT_FOUND" },
    });
    // Bob has 3 potions; asking for 4 is hopeless.
    expect((await refusalOf(propose(alice, bob, { gold: 1n }, { items: [{ itemId: bobStack, quantity: 4n }] }))).metadata).toMatchObject({ inventory_reason: "ERROR_REASON_INSUFFICIENT_QUANTITY" });
    // Offer times outside 1 minute to 24 hours, and a missing key, are refused by the contract's rules.
    expect((await refusal(propose(alice, bob, { gold: 1n }, {}, { ttlMs: 59_000 }))).code).toBe(Code.InvalidArgument);
    expect((await refusal(propose(alice, bob, { gold: 1n }, {}, { ttlMs: 86_401_000 }))).code).toBe(Code.InvalidArgument);
    expect((await refusal(propose(alice, bob, { gold: 1n }, {}, { key: "" }))).code).toBe(Code.InvalidArgument);

    expect(await trading().listTrades({ characterId: alice.characterId }, alice.player.asPlayer)).toEqual(before);
    expect(await assetsOf(alice)).toMatchObject({ gold: 100n, heldGold: 0n, potions: 3n, heldPotions: 0n });
  });

  it("answers a retried proposal with its first trade, and refuses the key for another offer", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const key = randomUUID();
    const [first, retry] = await Promise.all([propose(alice, bob, { gold: 7n }, {}, { key }), propose(alice, bob, { gold: 7n }, {}, { key })]);
    expect(retry.trade?.tradeId).toBe(first.trade?.tradeId);
    expect(await refusalOf(propose(alice, bob, { gold: 8n }, {}, { key }))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED" });
    const { trades } = await trading().listTrades({ characterId: alice.characterId }, alice.player.asPlayer);
    expect(trades).toHaveLength(1);
  });

  it("lets only the right party act: the proposer cannot accept, a stranger sees nothing, and a closed offer stays closed", async () => {
    const [alice, bob, eve] = await Promise.all([newHero(), newHero(), newHero()]);
    const { trade } = await propose(alice, bob, { gold: 3n }, {});
    const tradeId = trade!.tradeId;
    expect(await refusalOf(trading().acceptTrade({ tradeId }, alice.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_TRADE_PARTY" });
    expect(await refusalOf(trading().declineTrade({ tradeId }, alice.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_TRADE_PARTY" });
    const asEve = [() => trading().getTrade({ tradeId }, eve.player.asPlayer), () => trading().acceptTrade({ tradeId }, eve.player.asPlayer), () => trading().cancelTrade({ tradeId }, eve.player.asPlayer)];
    for (const call of asEve) expect(await refusalOf(call())).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_TRADE_NOT_FOUND" });
    expect(await refusalOf(trading().listTrades({ characterId: alice.characterId }, eve.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_CHARACTER_OWNER" });

    const declined = await trading().declineTrade({ tradeId }, bob.player.asPlayer);
    expect(declined.trade?.state).toBe(TradeState.DECLINED);
    expect((await trading().declineTrade({ tradeId }, bob.player.asPlayer)).trade?.state).toBe(TradeState.DECLINED);
    expect(await refusalOf(trading().acceptTrade({ tradeId }, bob.player.asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_INVALID_TRADE_STATE", metadata: { state: "declined" } });
    expect(await refusalOf(trading().cancelTrade({ tradeId }, alice.player.asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_INVALID_TRADE_STATE" });

    // Either party may withdraw an open offer.
    const { trade: second } = await propose(alice, bob, { gold: 3n }, {});
    expect((await trading().cancelTrade({ tradeId: second!.tradeId }, bob.player.asPlayer)).trade?.state).toBe(TradeState.CANCELLED);
    expect(await assetsOf(alice)).toMatchObject({ gold: 100n, heldGold: 0n });
  });

  it("limits open offers per character and offers per minute (RESOURCE_EXHAUSTED, the rate with RetryInfo)", async () => {
    const alice = await newHero();
    const targets = await Promise.all(Array.from({ length: maxOpen + 1 }, () => newHero()));
    for (const target of targets.slice(0, maxOpen)) await propose(alice, target, { gold: 1n }, {});
    expect(await refusalOf(propose(alice, targets[maxOpen]!, { gold: 1n }, {}))).toMatchObject({
      code: Code.ResourceExhausted,
      reason: "ERROR_REASON_TOO_MANY_OPEN_TRADES",
      metadata: { character_id: alice.characterId, max: String(maxOpen) },
    });
    // The rate counts attempts per player, also refused ones: the allowance runs out before the minute does.
    let limited;
    for (let i = 0; i < proposalsPerMinute + 1 && limited === undefined; i++) {
      const error = await refusal(propose(alice, targets[maxOpen]!, { gold: 1n }, {}));
      if (error.code === Code.ResourceExhausted && error.rawMessage.includes("too many trade offers")) limited = error;
    }
    expect(limited, "the proposal rate should run out").toBeDefined();
    expect(await refusalOf(Promise.reject(limited))).toMatchObject({ reason: "ERROR_REASON_RATE_LIMITED", metadata: { limit: "proposals" } });
    const [retryInfo] = limited!.findDetails(RetryInfoSchema);
    expect(Number(retryInfo?.retryDelay?.seconds ?? 0n) * 1000 + (retryInfo?.retryDelay?.nanos ?? 0) / 1e6).toBeGreaterThan(0);
  });

  it("cancels the open offers of a deleted character and refuses offers to it", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const { trade } = await propose(alice, bob, { gold: 2n }, {});
    await players().deleteCharacter({ characterId: bob.characterId }, bob.player.asPlayer);
    const cancelled = await eventually(() => trading().getTrade({ tradeId: trade!.tradeId }, alice.player.asPlayer), (r) => r.trade?.state === TradeState.CANCELLED);
    expect(cancelled.trade?.state).toBe(TradeState.CANCELLED);
    expect(await refusalOf(propose(alice, bob, { gold: 2n }, {}))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_CHARACTER_NOT_FOUND" });
  });

  it("finishes a trade whose saga was interrupted by a crash of trading (SIGKILL right after the acceptance)", async () => {
    const [alice, bob] = await Promise.all([newHero(), newHero()]);
    const { trade } = await propose(alice, bob, { gold: 25n }, { gold: 5n });
    const accepting = trading().acceptTrade({ tradeId: trade!.tradeId }, bob.player.asPlayer).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await stack.restart("trading");
    await accepting;
    // Accepted or not before the kill: accept again (idempotent) and the trade ends settled.
    const done = await eventually(
      () => trading().acceptTrade({ tradeId: trade!.tradeId }, bob.player.asPlayer),
      (r) => r.trade?.state === TradeState.SETTLED,
      40_000,
    );
    expect(done.trade?.state).toBe(TradeState.SETTLED);
    expect(await assetsOf(alice)).toMatchObject({ gold: 80n, heldGold: 0n });
    expect(await assetsOf(bob)).toMatchObject({ gold: 120n, heldGold: 0n });
  }, 60_000);

  it("pages a character's trades newest first", async () => {
    const [alice, bob, carol] = await Promise.all([newHero(), newHero(), newHero()]);
    const made: string[] = [];
    for (const to of [bob, carol, bob]) made.push((await propose(alice, to, { gold: 1n }, {})).trade!.tradeId);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await trading().listTrades({ characterId: alice.characterId, pageSize: 2, pageToken }, alice.player.asPlayer);
      seen.push(...page.trades.map((t) => t.tradeId));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen).toEqual([...made].reverse());
  });
});
