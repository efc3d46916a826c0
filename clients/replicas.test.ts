import { randomUUID } from "node:crypto";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { ChannelKind } from "@chaos/gen/chaos/chat/v1/channel_pb.js";
import { ChatService } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { CharacterClass, CharacterKind } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { signUp, type TestPlayer } from "../scripts/test/players.js";
import type { RolloutResult } from "../scripts/lib/rollout.js";
import { useStack } from "../scripts/test/stack.js";
import { eventually } from "../scripts/test/topic-events.js";

/**
 * Scale out and roll (issue 16): identity, combat, player, inventory, trading
 * and chat run as two replicas each; callers balance over them (round robin over the
 * registry's addresses). Under a steady load of casts and reads, combat's and
 * player's processes are restarted one at a time (SIGTERM: drain, then start
 * on the same ports), and then one replica is killed with SIGKILL; under a
 * steady load of trades, chat and session refreshes, identity's, inventory's,
 * trading's and chat's are.
 * Figures are printed; what is asserted is what a player would notice.
 */
const stack = useStack(["identity", "player", "combat", "inventory", "trading", "chat", "gateway"], {
  replicas: { identity: 2, combat: 2, player: 2, inventory: 2, trading: 2, chat: 2, gateway: 2 },
  env: {
    // Casts bounded by the cooldown (2 s), not by mana, so the load stays steady.
    CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "100",
    CHAOS_COMBAT_PENDING_CAST_REDRIVE_MS: "1000",
    CHAOS_PLAYER_TARGET_RESPAWN_SECONDS: "0",
    // Trades and posts as fast as the load makes them, not as a player's limits allow.
    CHAOS_TRADING_PROPOSALS_PER_MINUTE: "6000",
    CHAOS_CHAT_POSTS_PER_MINUTE: "6000",
    CHAOS_CHAT_POST_BURST: "100",
  },
});
const combat = () => stack.operator.client(CombatService, "combat");
const players = () => stack.operator.client(PlayerService, "player");
const trading = () => stack.operator.client(TradingService, "trading");
const inventory = () => stack.operator.client(InventoryService, "inventory");
const chat = () => stack.operator.client(ChatService, "chat");

interface Mage {
  readonly player: TestPlayer;
  readonly characterId: string;
}

/** One call attempt of the load, as the client saw it. */
interface Attempt {
  readonly startedAt: number;
  readonly endedAt: number;
  /** undefined = answered (a refusal of the game's rules is an answer too). */
  readonly failure: Code | undefined;
  /** The failure's message, for the figures. */
  readonly message?: string;
}

/**
 * How long a restarted replica serves before the next one goes, as a
 * Deployment's minReadySeconds: the callers' channels must be back on it (they
 * retry a refused connection within 1 s, grpc-transport.ts) or both replicas
 * are out of their pickers at once.
 */
const minReadyMs = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("replicas: balanced calls, rolling restarts and a kill -9 under load", () => {
  it("restarts every process one at a time with no failed call, and a killed replica fails only its calls in flight, with UNAVAILABLE", { timeout: 180_000 }, async () => {
    const mages = await createMages(4);
    const dummies = await dummyIds(mages[0]!.player);
    const casting = castingLoad(mages, dummies);
    const { attempts, attempt } = casting;
    // Reads at a steady pace, and about 50 a second each around the kill, so that calls are in flight on the replica
    // killed (flat out, they overloaded the survivor on a busy machine: reads past their 3 s deadline).
    let burst = false;
    const reader = async (mage: Mage) => {
      while (casting.loading) {
        await attempt(() => combat().getCombatState({ characterId: mage.characterId }, { ...mage.player.asPlayer, timeoutMs: 3_000 }));
        await sleep(burst ? 20 : 100);
      }
    };
    const readers = mages.slice(0, 5).map(reader);
    await sleep(3_000);

    // Rolling restart: each process drains (SIGTERM) and starts again on its ports before the next one goes.
    const rollingFrom = Date.now();
    for (const label of ["combat", "combat#2", "player", "player#2"]) {
      await stack.restart(label, "SIGTERM");
      await sleep(minReadyMs);
    }
    const rollingUntil = Date.now();
    const rolling = attempts.filter((a) => a.startedAt >= rollingFrom && a.startedAt < rollingUntil);
    const failedCastsRolling = casting.failedCasts;

    // A replica killed outright, under the same load; the other serves on while it is down.
    burst = true;
    await sleep(1_000);
    const killedAt = Date.now();
    await stack.processes.get("combat#2")!.stop("SIGKILL");
    await sleep(3_000);
    burst = false;
    const servedWhileDown = attempts.filter((a) => a.startedAt > killedAt + 500 && a.failure === undefined).length;
    await stack.restart("combat#2");
    // Long enough for the callers to reconnect to it (their reconnect backoff is at most 1 s) and send it casts again.
    await sleep(3_000);
    await casting.stop();
    await Promise.all(readers);
    const afterKill = attempts.filter((a) => a.endedAt >= killedAt && a.startedAt < killedAt + 3_000);
    const killFailures = afterKill.filter((a) => a.failure !== undefined);

    // Nothing the restarts interrupted stays half done: no cast is still pending.
    const combatSql = new pg.Client(stack.databaseUrl("combat"));
    await combatSql.connect();
    try {
      const pending = await eventually(async () => (await combatSql.query<{ n: number }>("SELECT count(*)::int AS n FROM casts WHERE outcome = 'pending'")).rows[0]!.n, (n) => n === 0, 30_000);
      expect(pending).toBe(0);
    } finally {
      await combatSql.end();
    }

    // Both replicas served casts since their last start (counters start again with a process): the callers balance over them.
    const served = await servedBy(["combat", "combat#2"], "/chaos.combat.v1.CombatService/CastSpell");
    const codes = (list: readonly Attempt[]) => Object.fromEntries([...new Set(list.flatMap((a) => (a.failure === undefined ? [] : [Code[a.failure]])))].map((c) => [c, list.filter((a) => a.failure !== undefined && Code[a.failure] === c).length]));
    console.log(
      `replicas: ${JSON.stringify({
        mages: mages.length,
        attempts: attempts.length,
        answeredCasts: casting.answeredCasts,
        rollingRestart: { seconds: Math.round((rollingUntil - rollingFrom) / 1000), attempts: rolling.length, failedAttempts: codes(rolling), failedCasts: failedCastsRolling },
        kill: { attemptsInFlightOrStartedWithin3s: afterKill.length, failedAttempts: codes(killFailures), failureMessages: [...new Set(killFailures.map((a) => a.message))], failedStartedAfterKill: killFailures.filter((a) => a.startedAt > killedAt).length, servedWhileDown },
        castsServedBy: served,
      })}`,
    );
    // The rolling restart cost the players nothing: no cast failed after the client's retries with its key.
    expect(failedCastsRolling).toBe(0);
    expect(rolling.length).toBeGreaterThan(50);
    // The kill: what failed was in flight on the killed replica and failed with UNAVAILABLE; the other replica served on.
    expect(killFailures.every((a) => a.failure === Code.Unavailable)).toBe(true);
    expect(killFailures.filter((a) => a.startedAt > killedAt + 250)).toEqual([]);
    expect(servedWhileDown).toBeGreaterThan(20);
    expect(casting.failedCasts).toBe(0);
    expect(served.combat).toBeGreaterThan(0);
    expect(served["combat#2"]).toBeGreaterThan(0);
  });

  it("rolls combat over to a new release canary first, and rolls back by itself a release that cannot start and one whose canary fails its calls, with no failed cast", { timeout: 120_000 }, async () => {
    const mages = await createMages(4);
    const casting = castingLoad(mages, await dummyIds(mages[0]!.player));
    await sleep(3_000);
    const bake = { bakeMs: 3_000 };

    const casts = () => ({ answered: casting.answeredCasts, failed: casting.failedCasts });
    const since = (from: { answered: number; failed: number }) => ({ answered: casting.answeredCasts - from.answered, failed: casting.failedCasts - from.failed });
    const start = casts();
    // A release that starts and serves: each process replaced in turn, each baked before the next goes.
    const good = await stack.rollout("combat", { env: { CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "90" } }, bake);
    const duringGood = since(start);
    // A bad setting: the canary exits at start-up, naming it, and goes back; the second replica is never touched.
    const beforeUnstartable = casts();
    const unstartable = await stack.rollout("combat", { env: { CHAOS_COMBAT_MANA_REGEN_PER_SECOND: "lots" } }, bake);
    const duringUnstartable = since(beforeUnstartable);
    // A canary that starts but cannot reach player: the casts it takes fail (UNAVAILABLE; the callers retry on the
    // other replica within their retry budget), it is judged as soon as ten calls are in, and it goes back.
    const beforeFailing = casts();
    const failing = await stack.rollout("combat", { env: { CHAOS_ADDR_PLAYER: "127.0.0.1:1" } }, bake);
    const duringFailing = since(beforeFailing);
    await sleep(minReadyMs);
    const afterRollback = casts();
    await sleep(3_000);
    await casting.stop();
    const afterwards = since(afterRollback);
    const steps = (result: RolloutResult) => result.steps.map(({ label, release, failure }) => ({ label, release, failed: failure !== undefined }));
    const failures = casting.attempts.filter((a) => a.failure !== undefined);
    console.log(`rollouts: ${JSON.stringify({ good, unstartable, failing, casts: { duringGood, duringUnstartable, duringFailing, afterwards }, failedAttempts: failures.length, failureMessages: [...new Set(failures.map((a) => `${Code[a.failure!]}: ${a.message}`))] })}`);

    expect(good.outcome).toBe("rolled out");
    expect(steps(good)).toEqual([
      { label: "combat", release: "next", failed: false },
      { label: "combat#2", release: "next", failed: false },
    ]);
    expect(unstartable).toMatchObject({ outcome: "rolled back", reason: expect.stringMatching(/^combat did not start on the next release: .*CHAOS_COMBAT_MANA_REGEN_PER_SECOND/) });
    expect(steps(unstartable)).toEqual([
      { label: "combat", release: "next", failed: true },
      { label: "combat", release: "previous", failed: false },
    ]);
    expect(failing).toMatchObject({ outcome: "rolled back", reason: expect.stringMatching(/^combat failed \d+ of the \d+ calls it served in its first [\d.]+ s/) });
    expect(steps(failing)).toEqual([
      { label: "combat", release: "next", failed: true },
      { label: "combat", release: "previous", failed: false },
    ]);
    // The good release and the one that could not start cost the players nothing. The failing canary cost some of
    // the casts that reached it while it was judged (a canary's price), a small share, and none once rolled back.
    expect(duringGood).toMatchObject({ failed: 0 });
    expect(duringUnstartable).toMatchObject({ failed: 0 });
    expect(duringFailing.failed).toBeLessThan(0.1 * (duringFailing.answered + duringFailing.failed));
    expect(afterwards.failed).toBe(0);
    expect(afterwards.answered).toBeGreaterThan(0);
    const served = await servedBy(["combat", "combat#2"], "/chaos.combat.v1.CombatService/CastSpell");
    expect(served.combat).toBeGreaterThan(0);
    expect(served["combat#2"]).toBeGreaterThan(0);
  });
});

describe("replicas: the gateway's rolling restart under game clients", () => {
  it("restarts both gateways one at a time under casts from native gRPC clients that know both, with no failed cast", { timeout: 120_000 }, async () => {
    const mages = await createMages(2);
    const dummies = await dummyIds(mages[0]!.player);
    // A game client with the list of the gateway's addresses (as a client-side balancer or a load balancer's pool):
    // casts take turns, and a cast that got no answer is sent again, with its key, to the other address.
    const gateways = ["gateway", "gateway#2"].map((label) => createClient(CombatService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.portsOf(label).edge}` })));
    let turn = 0;
    const tally = { casts: 0, failedCasts: 0, retriedAttempts: 0 };
    const retriedBecause = new Map<string, number>();
    let loading = true;
    const caster = async (mage: Mage) => {
      await sleep(Math.random() * 2_000);
      while (loading) {
        const request = { casterCharacterId: mage.characterId, spellId: "fireball", targetId: dummies[Math.floor(Math.random() * dummies.length)]!, idempotencyKey: randomUUID() };
        let answered = false;
        const first = turn++;
        for (let k = 0; k < 3 && !answered; k++) {
          try {
            await gateways[(first + k) % gateways.length]!.castSpell(request, { headers: { authorization: `Bearer ${mage.player.accessToken}` }, timeoutMs: 3_000 });
            answered = true;
          } catch (error) {
            const failure = ConnectError.from(error);
            // A refusal with a reason (cooldown, a target already down) is the game answering.
            answered = errorInfoOf(failure) !== undefined;
            if (!answered) {
              tally.retriedAttempts++;
              const why = `${Code[failure.code]}: ${failure.rawMessage.slice(0, 100)}`;
              retriedBecause.set(why, (retriedBecause.get(why) ?? 0) + 1);
              await sleep(100);
            }
          }
        }
        if (answered) tally.casts++;
        else tally.failedCasts++;
        await sleep(2_100);
      }
    };
    const load = mages.map(caster);
    await sleep(3_000);
    const rollingFrom = Date.now();
    for (const label of ["gateway", "gateway#2"]) {
      await stack.restart(label, "SIGTERM");
      await sleep(minReadyMs);
    }
    const rollingSeconds = Math.round((Date.now() - rollingFrom) / 1000);
    await sleep(2_000);
    loading = false;
    await Promise.all(load);
    const castsServedBy = await servedBy(["gateway", "gateway#2"], "/chaos.combat.v1.CombatService/CastSpell");
    console.log(`replicas (gateway): ${JSON.stringify({ ...tally, retriedBecause: Object.fromEntries(retriedBecause), rollingSeconds, castsServedBy })}`);
    expect(tally.failedCasts).toBe(0);
    expect(tally.casts).toBeGreaterThan(20);
    // Both gateways took casts since their restart.
    expect(castsServedBy.gateway).toBeGreaterThan(0);
    expect(castsServedBy["gateway#2"]).toBeGreaterThan(0);
  });
});

describe("replicas: trades, chat and sessions through a rolling restart of identity, inventory, trading and chat", () => {
  it("settles every trade, stores every post once and keeps every session, with no failed operation, while each of their processes restarts in turn", { timeout: 180_000 }, async () => {
    const mages = await createMages(4);
    // Trading and chat hear of new characters from player's events; inventory gives each its starting purse.
    const worldChannel = new Map<string, string>();
    for (const mage of mages) {
      const { channels } = await eventually(() => chat().listChannels({ characterId: mage.characterId }, mage.player.asPlayer), (r) => r.channels.some((c) => c.kind === ChannelKind.WORLD), 30_000);
      worldChannel.set(mage.characterId, channels.find((c) => c.kind === ChannelKind.WORLD)!.channelId);
    }
    const goldOf = async () => {
      let total = 0n;
      for (const mage of mages) {
        const { wallet } = await eventually(() => inventory().getWallet({ characterId: mage.characterId }, mage.player.asPlayer), (r) => r.wallet !== undefined, 30_000);
        total += wallet!.balance + wallet!.held;
      }
      return total;
    };
    const goldBefore = await goldOf();
    expect(goldBefore).toBeGreaterThan(0n);

    const marker = randomUUID().slice(0, 8);
    const tally = { trades: 0, failedTrades: 0, posts: 0, failedPosts: 0, refreshes: 0, failedRefreshes: 0, retriedAttempts: 0 };
    const trades: Array<{ tradeId: string; proposer: Mage }> = [];
    const postIds: string[] = [];
    let loading = true;
    /** Up to three attempts, 250 ms apart, with the same request (its idempotency key): the answer, or undefined when all three failed. */
    /** Why operations ended without an answer, or with a refusal: code and message (reason), for the figures a failing run prints. */
    const endings = new Map<string, number>();
    const withRetries = async <T>(call: () => Promise<T>): Promise<T | "refused" | undefined> => {
      let last = "";
      for (let k = 0; k < 3; k++) {
        try {
          return await call();
        } catch (error) {
          const failure = ConnectError.from(error);
          const reason = errorInfoOf(failure)?.reason;
          last = `${Code[failure.code]}${reason === undefined ? "" : ` ${reason}`}: ${failure.rawMessage.slice(0, 160)}`;
          if (reason !== undefined) {
            endings.set(last, (endings.get(last) ?? 0) + 1);
            return "refused";
          }
          tally.retriedAttempts++;
          await sleep(250);
        }
      }
      endings.set(last, (endings.get(last) ?? 0) + 1);
      return undefined;
    };
    // A trader offers 1 gold to the next player's mage and that mage accepts; the pair is one operation.
    const trader = async (index: number) => {
      const from = mages[index]!;
      const to = mages[(index + 5) % mages.length]!;
      await sleep(Math.random() * 500);
      while (loading) {
        const proposal = { proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: { gold: 1n }, request: {}, ttl: durationFromMs(120_000), idempotencyKey: randomUUID() };
        const proposed = await withRetries(() => trading().proposeTrade(proposal, { ...from.player.asPlayer, timeoutMs: 3_000 }));
        if (proposed === undefined) tally.failedTrades++;
        else if (proposed !== "refused") {
          const tradeId = proposed.trade!.tradeId;
          trades.push({ tradeId, proposer: from });
          const accepted = await withRetries(() => trading().acceptTrade({ tradeId }, { ...to.player.asPlayer, timeoutMs: 5_000 }));
          if (accepted === undefined) tally.failedTrades++;
          else tally.trades++;
        }
        await sleep(300);
      }
    };
    const poster = async (index: number) => {
      const mage = mages[index]!;
      let n = 0;
      await sleep(Math.random() * 500);
      while (loading) {
        const request = { characterId: mage.characterId, channelId: worldChannel.get(mage.characterId)!, text: `${marker} ${index} ${n++}`, idempotencyKey: randomUUID() };
        const posted = await withRetries(() => chat().postMessage(request, { ...mage.player.asPlayer, timeoutMs: 3_000 }));
        if (posted === undefined) tally.failedPosts++;
        else if (posted !== "refused") {
          tally.posts++;
          postIds.push(posted.message!.messageId);
        }
        await sleep(300);
      }
    };
    // A console keeping its player signed in: refresh after refresh, each retried with the same refresh token (identity
    // answers a token traded again within its grace window with the same new pair, so a retry never ends the session).
    const refreshTokens = new Map(mages.filter((_, i) => i % 5 === 0).map((m) => [m.player.accountId, m.player.refreshToken]));
    const keeper = async (accountId: string) => {
      await sleep(Math.random() * 500);
      while (loading) {
        const refreshed = await withRetries(() => stack.operator.client(IdentityService, "identity").refreshSession({ refreshToken: refreshTokens.get(accountId)! }, { timeoutMs: 3_000 }));
        if (refreshed === undefined || refreshed === "refused") tally.failedRefreshes++;
        else {
          tally.refreshes++;
          refreshTokens.set(accountId, refreshed.tokens!.refreshToken);
        }
        await sleep(300);
      }
    };
    const load = [...[0, 1, 2, 3, 4, 5].map(trader), ...[6, 7, 8, 9].map(poster), ...[...refreshTokens.keys()].map(keeper)];
    await sleep(2_000);
    const rollingFrom = Date.now();
    for (const label of ["identity", "identity#2", "inventory", "inventory#2", "trading", "trading#2", "chat", "chat#2"]) {
      await stack.restart(label, "SIGTERM");
      await sleep(minReadyMs);
    }
    const rollingSeconds = Math.round((Date.now() - rollingFrom) / 1000);
    await sleep(1_000);
    loading = false;
    await Promise.all(load);

    // Every accepted trade settles (the saga resumes on whichever replica), and no gold was made or lost.
    const states = await Promise.all(
      trades.map(({ tradeId, proposer }) => eventually(() => trading().getTrade({ tradeId }, proposer.player.asPlayer).then((r) => r.trade!.state).catch(() => TradeState.UNSPECIFIED), (state) => state === TradeState.SETTLED || state === TradeState.PROPOSED, 30_000)),
    );
    const goldAfter = await eventually(goldOf, (total) => total === goldBefore, 30_000);
    // Every acknowledged post is in the channel exactly once; none of the run's posts is there twice.
    const history: string[] = [];
    const texts: string[] = [];
    let before = 0n;
    for (;;) {
      const page = await chat().listMessages({ characterId: mages[6]!.characterId, channelId: worldChannel.get(mages[6]!.characterId)!, beforeSequence: before, pageSize: 100 }, mages[6]!.player.asPlayer);
      for (const message of page.messages) {
        if (!message.text.startsWith(marker)) continue;
        history.push(message.messageId);
        texts.push(message.text);
      }
      if (!page.hasMore || page.messages.length === 0) break;
      before = page.messages.reduce((min, m) => (m.sequence < min || min === 0n ? m.sequence : min), 0n);
    }
    // Both replicas of each served (since their restart): the load was balanced, not pinned to one.
    const proposalsServedBy = await servedBy(["trading", "trading#2"], "/chaos.trading.v1.TradingService/ProposeTrade");
    const postsServedBy = await servedBy(["chat", "chat#2"], "/chaos.chat.v1.ChatService/PostMessage");
    console.log(`replicas (trades, chat, sessions): ${JSON.stringify({ ...tally, endings: Object.fromEntries(endings), rollingSeconds, proposalsServedBy, postsServedBy, tradesSettled: states.filter((s) => s === TradeState.SETTLED).length, tradesProposed: trades.length, postsStored: history.length, goldBefore: String(goldBefore), goldAfter: String(goldAfter) })}`);
    expect(tally.failedTrades).toBe(0);
    expect(tally.failedPosts).toBe(0);
    // No session was lost (a refusal here would be a revoked session: the player logged out).
    expect(tally.failedRefreshes).toBe(0);
    expect(tally.refreshes).toBeGreaterThan(10);
    for (const refreshToken of refreshTokens.values()) expect((await stack.operator.client(IdentityService, "identity").refreshSession({ refreshToken })).tokens?.accessToken).toBeTruthy();
    expect(tally.trades).toBeGreaterThan(10);
    expect(tally.posts).toBeGreaterThan(10);
    expect(states.filter((s) => s !== TradeState.SETTLED)).toEqual([]);
    expect(goldAfter).toBe(goldBefore);
    expect(new Set(texts).size).toBe(texts.length);
    expect([...history].sort()).toEqual([...postIds].sort());
    for (const calls of [...Object.values(proposalsServedBy), ...Object.values(postsServedBy)]) expect(calls).toBeGreaterThan(0);
  });
});

/**
 * Each mage casts a fireball at a training dummy every 2.1 s (cooldown 2 s), each cast tried up to three times,
 * 200 ms apart, with its idempotency key; every attempt recorded, as the client saw it.
 */
function castingLoad(mages: readonly Mage[], dummies: readonly string[]) {
  const attempts: Attempt[] = [];
  const state = { loading: true, failedCasts: 0, answeredCasts: 0 };
  const attempt = async <T>(call: () => Promise<T>): Promise<{ ok: T } | { failure: ConnectError }> => {
    const startedAt = Date.now();
    try {
      const ok = await call();
      attempts.push({ startedAt, endedAt: Date.now(), failure: undefined });
      return { ok };
    } catch (error) {
      const failure = ConnectError.from(error);
      // A refusal with a reason (cooldown, a target already down) is the game answering.
      const answered = errorInfoOf(failure) !== undefined;
      attempts.push({ startedAt, endedAt: Date.now(), failure: answered ? undefined : failure.code, message: answered ? undefined : failure.rawMessage.slice(0, 120) });
      return answered ? { ok: undefined as T } : { failure };
    }
  };
  const caster = async (mage: Mage) => {
    await sleep(Math.random() * 2_000);
    while (state.loading) {
      const request = { casterCharacterId: mage.characterId, spellId: "fireball", targetId: dummies[Math.floor(Math.random() * dummies.length)]!, idempotencyKey: randomUUID() };
      let done = false;
      for (let k = 0; k < 3 && !done; k++) {
        const outcome = await attempt(() => combat().castSpell(request, { ...mage.player.asPlayer, timeoutMs: 3_000 }));
        done = "ok" in outcome;
        if (!done) await sleep(200);
      }
      if (done) state.answeredCasts++;
      else state.failedCasts++;
      await sleep(2_100);
    }
  };
  const casters = mages.map(caster);
  return {
    attempts,
    attempt,
    get loading() {
      return state.loading;
    },
    /** Casts whose every attempt failed. */
    get failedCasts() {
      return state.failedCasts;
    },
    get answeredCasts() {
      return state.answeredCasts;
    },
    async stop() {
      state.loading = false;
      await Promise.all(casters);
    },
  };
}

/** Calls of `method` each process served since it last started (its counters start again with it), by process label. */
async function servedBy(labels: readonly string[], method: string): Promise<Record<string, number>> {
  const pattern = new RegExp(`^chaos_server_calls_total\\{[^}]*method="${method.replaceAll(".", "\\.")}"[^}]*\\} (\\d+)$`, "gm");
  return Object.fromEntries(
    await Promise.all(
      labels.map(async (label) => {
        const metrics = await (await fetch(`http://127.0.0.1:${stack.portsOf(label).admin}/metrics`)).text();
        return [label, [...metrics.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0)] as const;
      }),
    ),
  );
}

/** `count` players with five mages each. */
async function createMages(count: number): Promise<Mage[]> {
  const mages: Mage[] = [];
  for (let p = 0; p < count; p++) {
    const player = await signUp(stack);
    for (let i = 0; i < 5; i++) {
      const { character } = await players().createCharacter({ name: `R${randomUUID().replaceAll("-", "").slice(0, 12)}`, characterClass: CharacterClass.MAGE }, player.asPlayer);
      mages.push({ player, characterId: character!.characterId });
    }
  }
  return mages;
}

/** The training dummies of the starting zone. */
async function dummyIds(asker: TestPlayer): Promise<string[]> {
  const { characters } = await players().listCharactersInZone({ zoneId: "ember_plains", pageSize: 100 }, asker.asPlayer);
  const dummies = characters.filter((c) => c.kind === CharacterKind.TRAINING_TARGET).map((c) => c.characterId);
  if (dummies.length === 0) throw new Error("no training dummies in ember_plains");
  return dummies;
}
