import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { beforeAll, describe, expect, it } from "vitest";
import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { TradeState, type Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { useStack } from "../../../scripts/test/stack.js";
import { createHero, type Hero as BaseHero } from "./heroes.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { refusalOf } from "../../../scripts/test/refusal.js";

// A Jepsen-style bank check. Ten players in one guild trade gold and potions,
// move gold in and out of the guild bank and send each other gold at random,
// concurrently, while trading and inventory are SIGKILLed and restarted at
// random. Afterwards the books must balance: gold equals minted minus sunk
// (the guild's founding fee), every potion is in exactly one place, nothing
// is negative or still held, every trade is final, and every character and
// the bank hold exactly what the final outcomes of the operations say — so
// no effect happened twice or was lost.

const playerCount = 10;
const operationsWanted = 1_000;
const killsWanted = 20;
/** The whole run stops by itself: operations and kills end at this point at the latest. */
const chaosBudgetMs = 200_000;
const guildFee = 50n;
const startingGold = 100n;
const startingPotions = 3n;

const stack = useStack(["identity", "player", "inventory", "trading", "guild"], {
  // Limits loose enough for a storm of offers from ten players.
  env: { CHAOS_TRADING_PROPOSALS_PER_MINUTE: "100000", CHAOS_TRADING_MAX_OPEN_TRADES: "100" },
});
const trading = () => stack.operator.client(TradingService, "trading");
const inventory = () => stack.operator.client(InventoryService, "inventory");
const guilds = () => stack.operator.client(GuildService, "guild");

interface Hero extends BaseHero {
  potionStack: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Codes that mean "the outcome is not known yet; ask again with the same key". */
const unknownOutcome = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.Unknown, Code.Internal, Code.Aborted]);

/**
 * Repeats an idempotent call until it has a definite answer: success, or a
 * refusal of the domain (returned as the error). Processes being killed make
 * many calls fail with UNAVAILABLE on the way.
 */
/** Calls answered with an unknown outcome, by code: what the faults cost the clients. */
const retriedByCode = new Map<string, number>();

async function definite<T>(call: () => Promise<T>, deadline: number): Promise<{ value: T } | { refused: ConnectError }> {
  for (;;) {
    try {
      return { value: await call() };
    } catch (error) {
      const e = ConnectError.from(error);
      if (!unknownOutcome.has(e.code)) return { refused: e };
      retriedByCode.set(Code[e.code], (retriedByCode.get(Code[e.code]) ?? 0) + 1);
      if (process.env.CHAOS_TEST_LOGS === "1") console.log(`retrying after ${Code[e.code]}: ${e.rawMessage}`);
      if (Date.now() > deadline) throw new Error(`no definite answer before the deadline; last error: ${e.message}`);
      await sleep(100 + Math.random() * 200);
    }
  }
}

/** A hero with the id of its potion stack (which changes when the stack empties and fills again). */
async function newHero(): Promise<Hero> {
  const hero = await createHero(stack);
  const { items } = await inventory().listItems({ characterId: hero.characterId }, hero.player.asPlayer);
  return { ...hero, potionStack: items[0]!.itemId };
}

/** One guild of every hero, the first its leader; every member may withdraw (the Recruit role gets the permission). */
async function foundGuild(heroes: readonly Hero[]): Promise<string> {
  const [leader, ...members] = heroes;
  const { guild } = await guilds().createGuild(
    { actorCharacterId: leader!.characterId, name: `Bank ${randomUUID().slice(0, 8)}`, tag: "BANK", idempotencyKey: randomUUID() },
    leader!.player.asPlayer,
  );
  for (const member of members) {
    const { invite } = await guilds().inviteMember({ actorCharacterId: leader!.characterId, characterId: member.characterId }, leader!.player.asPlayer);
    await guilds().acceptInvite({ actorCharacterId: member.characterId, inviteId: invite!.inviteId }, member.player.asPlayer);
  }
  const mine = await guilds().getMyGuild({ actorCharacterId: members[0]!.characterId }, members[0]!.player.asPlayer);
  const recruit = mine.role!;
  await guilds().updateRole(
    { actorCharacterId: leader!.characterId, roleId: recruit.roleId, name: recruit.name, rank: recruit.rank, permissions: [GuildPermission.WITHDRAW], dailyWithdrawalLimit: 1_000_000n },
    leader!.player.asPlayer,
  );
  return guild!.guildId;
}

/**
 * An offer made at the start of the file with the shortest time allowed (60 s,
 * the contract's minimum), between two heroes outside the bank check; the last
 * test sees it expire on its own. Here rather than in trading.test.ts because
 * the chaos run outlasts the minute: the wait costs the suite nothing, and the
 * expiry job is shown to keep its appointment through the kills of trading.
 */
let expiring: { trade: Trade; from: BaseHero; to: BaseHero; startedAt: number };

describe("conservation under chaos (trading and inventory SIGKILLed at random)", () => {
  beforeAll(async () => {
    const [from, to] = await Promise.all([createHero(stack), createHero(stack)]);
    const { trade } = await trading().proposeTrade(
      { proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: { gold: 5n }, request: {}, ttl: durationFromMs(60_000), idempotencyKey: randomUUID() },
      from.player.asPlayer,
    );
    expiring = { trade: trade!, from, to, startedAt: Date.now() };
  }, 60_000);

  it(`${operationsWanted} random trades, guild bank moves and gifts among ${playerCount} players, ${killsWanted} kills: nothing created, lost or applied twice`, async () => {
    const heroes = await Promise.all(Array.from({ length: playerCount }, newHero));
    await foundGuild(heroes);
    const started = Date.now();
    const deadline = started + chaosBudgetMs;
    const tradeIds = new Set<string>();
    const gifts: { from: Hero; to: Hero; amount: bigint }[] = [];
    /** Gold each successful bank move took from (deposit) or gave to (withdrawal) a member's wallet. */
    const bankMoves: { hero: Hero; walletDelta: bigint }[] = [];
    const counts = { proposed: 0, refusedProposals: 0, accepted: 0, declined: 0, cancelled: 0, gifts: 0, refusedGifts: 0, bankMoves: 0, refusedBankMoves: 0 };
    let operations = 0;
    let kills = 0;

    // The potion stack id of a character changes when its stack empties and fills again.
    const refreshStack = async (hero: Hero) => {
      const r = await definite(() => inventory().listItems({ characterId: hero.characterId }, hero.player.asPlayer), deadline);
      if ("value" in r) hero.potionStack = r.value.items.find((i) => i.definitionId === "potion_of_mana")?.itemId ?? hero.potionStack;
    };

    const oneTrade = async () => {
      const from = pick(heroes);
      const to = pick(heroes.filter((h) => h !== from));
      const gives = { gold: BigInt(Math.floor(Math.random() * 15)), items: Math.random() < 0.4 ? [{ itemId: from.potionStack, quantity: 1n }] : [] };
      const asks = { gold: BigInt(Math.floor(Math.random() * 15)), items: Math.random() < 0.3 ? [{ itemId: to.potionStack, quantity: 1n }] : [] };
      if (gives.gold === 0n && gives.items.length === 0) gives.gold = 1n;
      const key = randomUUID();
      const proposal = await definite(
        () => trading().proposeTrade({ proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: gives, request: asks, idempotencyKey: key }, from.player.asPlayer),
        deadline,
      );
      if ("refused" in proposal) {
        counts.refusedProposals += 1;
        await Promise.all([refreshStack(from), refreshStack(to)]);
        return;
      }
      counts.proposed += 1;
      const tradeId = proposal.value.trade!.tradeId;
      tradeIds.add(tradeId);
      const answer = Math.random();
      if (answer < 0.8) {
        counts.accepted += 1;
        await definite(() => trading().acceptTrade({ tradeId }, to.player.asPlayer), deadline);
      } else if (answer < 0.9) {
        counts.declined += 1;
        await definite(() => trading().declineTrade({ tradeId }, to.player.asPlayer), deadline);
      } else {
        counts.cancelled += 1;
        await definite(() => trading().cancelTrade({ tradeId }, from.player.asPlayer), deadline);
      }
    };

    const oneGift = async () => {
      const from = pick(heroes);
      const to = pick(heroes.filter((h) => h !== from));
      const amount = BigInt(1 + Math.floor(Math.random() * 10));
      const key = randomUUID();
      const sent = await definite(() => inventory().sendGold({ fromCharacterId: from.characterId, toCharacterId: to.characterId, amount, idempotencyKey: key }, from.player.asPlayer), deadline);
      if ("refused" in sent) {
        counts.refusedGifts += 1;
        return;
      }
      counts.gifts += 1;
      gifts.push({ from, to, amount });
    };

    const oneBankMove = async () => {
      const hero = pick(heroes);
      const amount = BigInt(1 + Math.floor(Math.random() * 10));
      const key = randomUUID();
      const deposit = Math.random() < 0.5;
      const moved = await definite<unknown>(
        () =>
          deposit
            ? guilds().depositToGuildBank({ actorCharacterId: hero.characterId, amount, idempotencyKey: key }, hero.player.asPlayer)
            : guilds().withdrawFromGuildBank({ actorCharacterId: hero.characterId, amount, idempotencyKey: key }, hero.player.asPlayer),
        deadline,
      );
      if ("refused" in moved) {
        counts.refusedBankMoves += 1;
        return;
      }
      counts.bankMoves += 1;
      bankMoves.push({ hero, walletDelta: deposit ? -amount : amount });
    };

    const worker = async () => {
      while (operations < operationsWanted && Date.now() < deadline) {
        operations += 1;
        const dice = Math.random();
        await (dice < 0.55 ? oneTrade() : dice < 0.8 ? oneBankMove() : oneGift());
      }
    };

    let restartMs = 0;
    const killer = async () => {
      // Faults spaced so the world makes progress between them; the operations go on after the last.
      while (kills < killsWanted && Date.now() < deadline) {
        await sleep(1_500 + Math.random() * 1_500);
        const at = Date.now();
        await stack.restart(pick(["trading", "inventory"]));
        restartMs += Date.now() - at;
        kills += 1;
      }
    };
    const progress = setInterval(() => console.log(`chaos: ${operations} operations, ${kills} kills, ${((Date.now() - started) / 1000).toFixed(0)} s, ${JSON.stringify(counts)}, retried ${JSON.stringify(Object.fromEntries(retriedByCode))}`), 5_000);
    await Promise.all([killer(), ...Array.from({ length: 12 }, worker)]).finally(() => clearInterval(progress));
    console.log(`chaos: mean restart ${(restartMs / Math.max(1, kills)).toFixed(0)} ms`);
    const chaosMs = Date.now() - started;
    expect(kills).toBeGreaterThanOrEqual(killsWanted);
    expect(operations).toBeGreaterThanOrEqual(operationsWanted);

    // Every trade ends in a final state within a bounded time after the last fault.
    const finalStates = new Set([TradeState.SETTLED, TradeState.DECLINED, TradeState.CANCELLED, TradeState.EXPIRED, TradeState.COMPENSATED]);
    const trades = new Map<string, Trade>();
    const settleDeadline = Date.now() + 60_000;
    for (const hero of heroes) {
      let pageToken = "";
      do {
        const page = await trading().listTrades({ characterId: hero.characterId, pageSize: 100, pageToken }, hero.player.asPlayer);
        for (const t of page.trades) trades.set(t.tradeId, t);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    }
    for (const [tradeId, t] of trades) {
      if (finalStates.has(t.state)) continue;
      const owner = heroes.find((h) => h.characterId === t.proposer?.characterId)!;
      const done = await eventually(() => trading().getTrade({ tradeId }, owner.player.asPlayer), (r) => finalStates.has(r.trade!.state), Math.max(1_000, settleDeadline - Date.now()));
      trades.set(tradeId, done.trade!);
    }
    expect([...trades.values()].filter((t) => !finalStates.has(t.state))).toEqual([]);
    expect(new Set(trades.keys())).toEqual(tradeIds);

    // What each character must hold, from the final outcomes alone.
    const expectedGold = new Map(heroes.map((h) => [h.characterId, startingGold]));
    const expectedPotions = new Map(heroes.map((h) => [h.characterId, startingPotions]));
    const add = (map: Map<string, bigint>, id: string, delta: bigint) => map.set(id, map.get(id)! + delta);
    for (const t of trades.values()) {
      if (t.state !== TradeState.SETTLED) continue;
      const [p, c] = [t.proposer!.characterId, t.counterparty!.characterId];
      add(expectedGold, p, t.request!.gold - t.offer!.gold);
      add(expectedGold, c, t.offer!.gold - t.request!.gold);
      const offered = t.offer!.items.reduce((n, i) => n + i.quantity, 0n);
      const requested = t.request!.items.reduce((n, i) => n + i.quantity, 0n);
      add(expectedPotions, p, requested - offered);
      add(expectedPotions, c, offered - requested);
    }
    for (const g of gifts) {
      add(expectedGold, g.from.characterId, -g.amount);
      add(expectedGold, g.to.characterId, g.amount);
    }
    add(expectedGold, heroes[0]!.characterId, -guildFee);
    let expectedBank = 0n;
    for (const m of bankMoves) {
      add(expectedGold, m.hero.characterId, m.walletDelta);
      expectedBank -= m.walletDelta;
    }

    let minted = 0n;
    let sunk = 0n;
    let totalGold = 0n;
    let totalPotions = 0n;
    for (const hero of heroes) {
      const { wallet } = await inventory().getWallet({ characterId: hero.characterId }, hero.player.asPlayer);
      const { items } = await inventory().listItems({ characterId: hero.characterId }, hero.player.asPlayer);
      const potions = items.filter((i) => i.definitionId === "potion_of_mana");
      expect(wallet!.held, "no gold is still held in escrow").toBe(0n);
      expect(wallet!.balance).toBeGreaterThanOrEqual(0n);
      expect(potions.every((s) => s.heldQuantity === 0n), "no potion is still held").toBe(true);
      expect(wallet!.balance, `gold of ${hero.characterId}`).toBe(expectedGold.get(hero.characterId));
      expect(potions.reduce((n, s) => n + s.quantity, 0n), `potions of ${hero.characterId}`).toBe(expectedPotions.get(hero.characterId));
      totalGold += wallet!.balance;
      totalPotions += potions.reduce((n, s) => n + s.quantity, 0n);
      let pageToken = "";
      do {
        const page = await inventory().listLedgerEntries({ characterId: hero.characterId, pageSize: 100, pageToken }, hero.player.asPlayer);
        for (const e of page.entries) {
          if (e.kind === LedgerEntryKind.GRANT) minted += e.amount;
          if (e.kind === LedgerEntryKind.SPEND) sunk += e.amount;
        }
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    }
    const { bankBalance } = await guilds().getMyGuild({ actorCharacterId: heroes[0]!.characterId }, heroes[0]!.player.asPlayer);
    expect(bankBalance, "the guild bank").toBe(expectedBank);
    expect(sunk).toBe(guildFee);
    expect(totalGold + bankBalance).toBe(minted - sunk);
    expect(minted).toBe(startingGold * BigInt(playerCount));
    expect(totalPotions).toBe(startingPotions * BigInt(playerCount));

    const byState = Object.fromEntries(
      [...finalStates].map((s) => [TradeState[s], [...trades.values()].filter((t) => t.state === s).length]),
    );
    console.log(
      `conservation under chaos: ${operations} operations (${JSON.stringify(counts)}; retried after unknown outcomes: ${JSON.stringify(Object.fromEntries(retriedByCode))}), ${kills} kills in ${(chaosMs / 1000).toFixed(1)} s; trades by final state ${JSON.stringify(byState)}; ` +
        `gold ${totalGold} in wallets + ${bankBalance} in the bank = minted ${minted} - sunk ${sunk}; potions ${totalPotions}; nothing held, nothing negative, nothing twice.`,
    );
  }, 300_000);

  it("expires an offer on time with nobody calling it, through the kills of trading, and refuses a late acceptance", async () => {
    const { trade, from, to, startedAt } = expiring;
    const expired = await eventually(() => trading().getTrade({ tradeId: trade.tradeId }, from.player.asPlayer), (r) => r.trade?.state === TradeState.EXPIRED, 90_000);
    expect(expired.trade?.state).toBe(TradeState.EXPIRED);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(59_000);
    expect(await refusalOf(trading().acceptTrade({ tradeId: trade.tradeId }, to.player.asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_TRADE_EXPIRED" });
    const { wallet } = await inventory().getWallet({ characterId: from.characterId }, from.player.asPlayer);
    expect(wallet).toMatchObject({ balance: startingGold, held: 0n });
  }, 100_000);
});
