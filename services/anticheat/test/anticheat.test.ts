import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ChargebackReceivedSchema, ClawbackDebtRecordedSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { ActionKind, ActionState, AppealState, SignalKind, type Standing } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { randomUUID } from "node:crypto";
import { principalHeader } from "@chaos/mesh";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { anticheatWorld, type Hero } from "./anticheat-world.js";

// Real processes: logins through identity, characters and moves through player, gold through inventory, trades through trading.
// The expiry sweep runs often so that a lifted action reaches identity and trading within a test.
const stack = useStack(["identity", "player", "inventory", "trading", "anticheat"], { env: { CHAOS_TRADING_PROPOSALS_PER_MINUTE: "600", CHAOS_ANTICHEAT_SWEEP_MS: "200" } });
const world = anticheatWorld(stack);
const anticheat = world.anticheat;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls every half second: each attempt is a login or an offer, and identity allows 20 logins a minute per email. */
const slowly = <T>(probe: () => Promise<T>) => async () => {
  await sleep(500);
  return probe();
};
const loginOf = (hero: Hero) => world.identity().login({ email: hero.player.email, password: hero.player.password, userAgent: "vitest" });
const offerOf = (from: Hero, to: Hero) =>
  stack.operator
    .client(TradingService, "trading")
    .proposeTrade({ proposerCharacterId: from.characterId, counterpartyCharacterId: to.characterId, offer: { gold: 1n }, request: {}, idempotencyKey: randomUUID() }, from.player.asPlayer);
const activeKinds = (s: Standing) => s.activeActions.map((a) => a.kind).sort();
const times = (start: number, gapMs: number, count: number) => Array.from({ length: count }, (_, i) => new Date(start + i * gapMs));

describe("anticheat: detect, score, respond, review (real processes: identity + player + inventory + trading + anticheat)", () => {
  it("a scripted cheater is detected, scored, trade-restricted, suspended and banned through identity and trading; an honest player of the same volume is not flagged; an appeal overturns the ban and logins work again", async () => {
    const moderator = await world.moderator();
    const cheater = await world.hero();
    const honest = await world.hero();
    const givers = [await world.hero(), await world.hero(), await world.hero(), await world.hero()];

    // Gold: each giver sells the honest player a potion (a fair trade), then gives the cheater all its starter gold for nothing.
    for (const giver of givers) await world.trade(honest, giver, 20n, true);
    for (const giver of givers) await world.trade(giver, cheater, 100n);
    const funnelled = await world.standingOnce(moderator, cheater.player.accountId, (s) => s.riskScore > 0);
    expect(funnelled).toMatchObject({ mayLogIn: true, mayTrade: true, activeActions: [] });
    const { signals: funnelSignals } = await anticheat().listSignals({ playerId: cheater.player.accountId }, moderator);
    expect(funnelSignals.map((s) => s.kind)).toEqual([SignalKind.GOLD_FUNNEL]);
    expect(funnelSignals[0]!.evidence).toBe("received 400 gold for nothing from 4 players within 24.0 h");
    // The score's change names its signal: the evidence.
    expect(funnelled.recentChanges[0]).toMatchObject({ scoreBefore: 0, signalIds: [funnelSignals[0]!.signalId] });

    // Movement: the cheater teleports across the zone through player's MoveCharacter; the honest player walks.
    for (const [x, y] of [[2, 2], [198, 198], [2, 198], [198, 2]] as const) await world.move(cheater, x, y);
    for (let step = 1; step <= 4; step++) {
      await sleep(300);
      await world.move(honest, honest.spawn.x + step, honest.spawn.y);
    }
    const restricted = await world.standingOnce(moderator, cheater.player.accountId, (s) => !s.mayTrade);
    expect(activeKinds(restricted)).toEqual([ActionKind.FLAG, ActionKind.TRADE_RESTRICTION]);
    expect(restricted.mayLogIn).toBe(true);
    // Trading learns it from the action event and refuses the cheater's offers, naming the character.
    const refusedOffer = await eventually(slowly(() => refusalOf(offerOf(cheater, honest))), (r) => r.reason === "ERROR_REASON_TRADING_RESTRICTED");
    expect(refusedOffer).toMatchObject({ code: Code.PermissionDenied, metadata: { character_id: cheater.characterId } });
    // The flag opened a case for moderators, with the evidence.
    const { cases } = await anticheat().listCases({}, moderator);
    const opened = cases.find((c) => c.playerId === cheater.player.accountId)!;
    expect(opened).toBeDefined();
    const review = await anticheat().getCase({ caseId: opened.caseId }, moderator);
    expect(new Set(review.signals.map((s) => s.kind))).toEqual(new Set([SignalKind.GOLD_FUNNEL, SignalKind.SPEED]));
    expect(review.signals.find((s) => s.kind === SignalKind.SPEED)!.evidence).toMatch(/^moved \d+\.\d in \d+\.\d\d s in ember_plains/);

    // Casts: the cheater's fireballs 200 ms apart (cooldown 2 s), the honest player's 2.5 s apart; the same number each.
    const now = Date.now();
    await world.publishEvents([...world.castEvents(cheater, times(now, 200, 4)), ...world.castEvents(honest, times(now, 2_500, 4))]);
    const suspended = await world.standingOnce(moderator, cheater.player.accountId, (s) => !s.mayLogIn);
    const suspension = suspended.activeActions.find((a) => a.kind === ActionKind.SUSPENSION)!;
    expect(suspension.expireTime).toBeDefined();
    // Identity learns it from the action event: the right password gets ACCOUNT_SUSPENDED with the until time.
    const refusedLogin = await eventually(slowly(() => refusalOf(loginOf(cheater))), (r) => r.reason === "ERROR_REASON_ACCOUNT_SUSPENDED");
    expect(refusedLogin).toMatchObject({ code: Code.PermissionDenied, metadata: { action_id: suspension.actionId } });
    expect(new Date(refusedLogin.metadata.until!).getTime()).toBeGreaterThan(Date.now() + 3_600_000);

    // More teleports: the score reaches the ban threshold; the ban replaces the suspension.
    for (const [x, y] of [[2, 2], [198, 198], [2, 198], [198, 2]] as const) await world.move(cheater, x, y);
    const banned = await world.standingOnce(moderator, cheater.player.accountId, (s) => s.activeActions.some((a) => a.kind === ActionKind.BAN));
    expect(activeKinds(banned)).toEqual([ActionKind.FLAG, ActionKind.TRADE_RESTRICTION, ActionKind.BAN]);
    expect(banned.riskScore).toBeGreaterThanOrEqual(110);
    const bannedLogin = await eventually(slowly(() => refusalOf(loginOf(cheater))), (r) => r.reason === "ERROR_REASON_ACCOUNT_BANNED");
    // The refused login still carries an appeal token (the cheater's sessions were all revoked): good for the appeal desk only.
    expect(bannedLogin.metadata.appeal_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(new Date(bannedLogin.metadata.appeal_token_expires!).getTime()).toBeGreaterThan(Date.now());
    const appealOnly = { headers: { [principalHeader]: bannedLogin.metadata.appeal_token! } };
    // A wrong password gets no appeal token, only the usual refusal.
    const wrongPassword = await refusalOf(world.identity().login({ email: cheater.player.email, password: "not the password", userAgent: "vitest" }));
    expect(wrongPassword).toMatchObject({ reason: "ERROR_REASON_INVALID_CREDENTIALS", metadata: {} });
    // Anywhere but the appeal methods the appeal token is refused: the moderators' queue, the player's characters.
    expect(await refusalOf(anticheat().listCases({}, appealOnly))).toMatchObject({ code: Code.Unauthenticated });
    expect(await refusalOf(stack.operator.client(PlayerService, "player").listMyCharacters({}, appealOnly))).toMatchObject({ code: Code.Unauthenticated });
    const { actions: history } = await anticheat().listMyActions({}, appealOnly);
    expect(history.find((a) => a.actionId === suspension.actionId)).toMatchObject({ state: ActionState.OVERTURNED, liftReason: "replaced by a ban" });

    // The honest player: as many trades, moves and casts, nothing against them.
    const clean = (await anticheat().getStanding({ playerId: honest.player.accountId }, moderator)).standing!;
    expect(clean).toMatchObject({ riskScore: 0, activeActions: [], mayLogIn: true, mayTrade: true });
    expect((await anticheat().listSignals({ playerId: honest.player.accountId }, moderator)).signals).toEqual([]);
    expect((await anticheat().listCases({}, moderator)).cases.some((c) => c.playerId === honest.player.accountId)).toBe(false);
    expect((await loginOf(honest)).tokens).toBeDefined();
    expect((await offerOf(honest, givers[0]!)).trade).toBeDefined();

    // The banned cheater, with only the appeal token, sees their standing and appeals the ban; a moderator overturns it.
    const mine = (await anticheat().getMyStanding({}, appealOnly)).standing!;
    expect(mine).toMatchObject({ mayLogIn: false, mayTrade: false });
    const ban = mine.activeActions.find((a) => a.kind === ActionKind.BAN)!;
    expect(ban.actionId).toBe(bannedLogin.metadata.action_id);
    const { appeal } = await anticheat().submitAppeal({ actionId: ban.actionId, statement: "I was lagging, not teleporting." }, appealOnly);
    expect(appeal).toMatchObject({ state: AppealState.OPEN, actionId: ban.actionId });
    expect(await refusalOf(anticheat().submitAppeal({ actionId: ban.actionId, statement: "Again, I was lagging." }, appealOnly))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_APPEAL_ALREADY_OPEN",
    });
    expect((await anticheat().listAppeals({}, moderator)).appeals.map((a) => a.appealId)).toContain(appeal!.appealId);
    const resolved = await anticheat().resolveAppeal({ appealId: appeal!.appealId, outcome: AppealState.OVERTURNED, resolution: "lag confirmed by the server logs" }, moderator);
    expect(resolved.appeal?.state).toBe(AppealState.OVERTURNED);
    expect(resolved.action).toMatchObject({ state: ActionState.OVERTURNED, liftReason: "appeal overturned: lag confirmed by the server logs" });
    const { tokens } = await eventually(slowly(() => loginOf(cheater).catch(() => ({ tokens: undefined }))), (r) => r.tokens !== undefined);
    expect(tokens).toBeDefined();
    const after = (await anticheat().getStanding({ playerId: cheater.player.accountId }, moderator)).standing!;
    expect(after).toMatchObject({ mayLogIn: true, riskScore: 0 });
    expect((await anticheat().listMyAppeals({}, { headers: { [principalHeader]: tokens!.accessToken } })).appeals[0]).toMatchObject({ appealId: appeal!.appealId, state: AppealState.OVERTURNED });
  });

  it("sees gold sent as gifts (inventory's SendGold) from four players to one as a funnel", async () => {
    const moderator = await world.moderator();
    const receiver = await world.hero();
    const givers = [await world.hero(), await world.hero(), await world.hero(), await world.hero()];
    for (const giver of givers) {
      await stack.operator
        .client(InventoryService, "inventory")
        .sendGold({ fromCharacterId: giver.characterId, toCharacterId: receiver.characterId, amount: 100n, idempotencyKey: randomUUID() }, giver.player.asPlayer);
    }
    await world.standingOnce(moderator, receiver.player.accountId, (s) => s.riskScore > 0);
    const { signals } = await anticheat().listSignals({ playerId: receiver.player.accountId }, moderator);
    expect(signals.map((s) => [s.kind, s.evidence])).toEqual([[SignalKind.GOLD_FUNNEL, "received 400 gold for nothing from 4 players within 24.0 h"]]);
    for (const giver of givers) expect((await anticheat().listSignals({ playerId: giver.player.accountId }, moderator)).signals).toEqual([]);
  });

  it("takes payment's chargebacks and clawback debts as signals", async () => {
    const moderator = await world.moderator();
    const hero = await world.hero();
    const orderId = randomUUID();
    await world.publishEvents([
      world.paymentEvent(ChargebackReceivedSchema, create(ChargebackReceivedSchema, { orderId, accountId: hero.player.accountId, characterId: hero.characterId, amount: { amountMinor: 499n, currency: "EUR" } })),
      world.paymentEvent(ClawbackDebtRecordedSchema, create(ClawbackDebtRecordedSchema, { refundId: randomUUID(), orderId, accountId: hero.player.accountId, characterId: hero.characterId, debt: 350n })),
    ]);
    await world.standingOnce(moderator, hero.player.accountId, (s) => s.recentChanges.length === 2);
    const { signals } = await anticheat().listSignals({ playerId: hero.player.accountId }, moderator);
    expect(signals.map((s) => [s.kind, s.evidence]).sort()).toEqual([
      [SignalKind.CHARGEBACK, `chargeback of 499 minor units of EUR on order ${orderId}`],
      [SignalKind.CLAWBACK_DEBT, `clawback of order ${orderId} left a debt of 350 gold`],
    ]);
  });

  it("a moderator's suspension refuses logins and ends by itself: the sweep lifts it and identity lets the player in", async () => {
    const moderator = await world.moderator();
    const hero = await world.hero();
    const { action } = await anticheat().applyAction(
      { playerId: hero.player.accountId, kind: ActionKind.SUSPENSION, reason: "abusive trades, seen by a moderator", duration: durationFromMs(4_000) },
      moderator,
    );
    expect(action).toMatchObject({ state: ActionState.ACTIVE, appliedBy: expect.any(String) as string });
    await eventually(slowly(() => refusalOf(loginOf(hero))), (r) => r.reason === "ERROR_REASON_ACCOUNT_SUSPENDED");
    const { tokens } = await eventually(slowly(() => loginOf(hero).catch(() => ({ tokens: undefined }))), (r) => r.tokens !== undefined);
    expect(tokens).toBeDefined();
    const lifted = await eventually(
      async () => (await anticheat().listMyActions({}, hero.player.asPlayer)).actions.find((a) => a.actionId === action!.actionId)!,
      (a) => a.state !== ActionState.ACTIVE,
    );
    expect(lifted).toMatchObject({ state: ActionState.EXPIRED, liftReason: "its time ran out" });
  });

  it("counts a redelivered event once, and keeps the moderators' tools to moderators", async () => {
    const moderator = await world.moderator();
    const hero = await world.hero();
    const events = world.castEvents(hero, times(Date.now(), 100, 2));
    await world.publishEvents(events);
    await world.publishEvents(events);
    // A later cast on the same partition: once its signal shows, the redelivered ones were handled.
    await world.publishEvents(world.castEvents(hero, [new Date(Date.now() + 150)]));
    await world.standingOnce(moderator, hero.player.accountId, (s) => s.recentChanges.length >= 2);
    const { signals } = await anticheat().listSignals({ playerId: hero.player.accountId }, moderator);
    expect(signals.map((s) => s.kind)).toEqual([SignalKind.CAST_RATE, SignalKind.CAST_RATE]);

    expect(await refusalOf(anticheat().listCases({}, hero.player.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_A_MODERATOR" });
    expect(await refusalOf(anticheat().applyAction({ playerId: hero.player.accountId, kind: ActionKind.BAN, reason: "self-service" }, hero.player.asPlayer))).toMatchObject({
      reason: "ERROR_REASON_NOT_A_MODERATOR",
    });
    expect(
      await refusalOf(anticheat().applyAction({ playerId: hero.player.accountId, kind: ActionKind.SUSPENSION, reason: "no end given" }, moderator)),
    ).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_DURATION" });
    expect(await refusalOf(anticheat().submitAppeal({ actionId: randomUUID(), statement: "Not my action at all." }, hero.player.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_ACTION_NOT_FOUND",
    });
  });
});
