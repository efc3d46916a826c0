import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { file_chaos_payment_v1_events } from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { OrderState, RefundOrigin, RefundState, type Order } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { eventually, useDomainEvents } from "../../../scripts/test/topic-events.js";
import { stripeSignature } from "../../../clients/payment-provider/provider-emulator.js";
import { usePaymentWorld } from "./payment-world.js";

const { stack, provider, webhookUrl, secrets, payment, inventory, inventoryInternal, newCharacter, wallet } = usePaymentWorld();
const paymentEvents = useDomainEvents(stack, file_chaos_payment_v1_events, ["orders"]);
const untilEvent = (type: string, orderId: string) => eventually(async () => paymentEvents(type).filter((e) => e.message.orderId === orderId || (e.message as { refund?: { orderId?: string } }).refund?.orderId === orderId), (found) => found.length > 0);

/** Orders the small pack (500 gold, EUR 4.99) once payment knows the character (its CharacterCreated may still be on its way). */
async function orderPack(player: TestPlayer, characterId: string, idempotencyKey = randomUUID()): Promise<Order> {
  const order = await eventually(
    () => payment().createOrder({ productId: "gold_pack_small", characterId, currency: "EUR", idempotencyKey }, player.asPlayer).then((r) => r.order, () => undefined),
    (o) => o !== undefined,
  );
  return order!;
}

const orderOf = (player: TestPlayer, orderId: string) => payment().getOrder({ orderId }, player.asPlayer).then((r) => r.order!);
const untilOrder = (player: TestPlayer, orderId: string, state: OrderState) => eventually(() => orderOf(player, orderId), (o) => o.state === state);
const sessionIdOf = (order: Order) => order.checkoutUrl.split("/").at(-1)!;

/** Posts a webhook to the gateway as anyone could: the answer's status and JSON. */
async function postWebhook(body: string, signature: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(webhookUrl(), { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A paid, fulfilled order of `player`'s new character (600 gold then). */
async function boughtPack(player: TestPlayer) {
  const hero = await newCharacter(player);
  const order = await orderPack(player, hero);
  const paid = await provider().pay(order.checkoutSessionId);
  const fulfilled = await untilOrder(player, order.orderId, OrderState.FULFILLED);
  return { hero, order: fulfilled, paymentEvent: paid };
}

describe("payment (real processes: identity, inventory, payment, gateway; the provider emulator over HTTP)", () => {
  it("sells the catalogue's gold packs priced per currency, and a retried order is the first one", async () => {
    const { products } = await payment().listProducts({});
    expect(products.find((p) => p.productId === "gold_pack_small")).toMatchObject({ gold: 500n, prices: expect.arrayContaining([expect.objectContaining({ currency: "EUR", amountMinor: 499n })]) });

    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const key = randomUUID();
    const first = await orderPack(alice, hero, key);
    expect(first).toMatchObject({ state: OrderState.PENDING, gold: 500n, price: { amountMinor: 499n, currency: "EUR" } });
    expect(first.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/checkout\/cs_/);
    const again = await payment().createOrder({ productId: "gold_pack_small", characterId: hero, currency: "EUR", idempotencyKey: key }, alice.asPlayer);
    expect(again.order?.orderId).toBe(first.orderId);
    expect(await refusalOf(payment().createOrder({ productId: "gold_pack_large", characterId: hero, currency: "EUR", idempotencyKey: key }, alice.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED",
    });
    expect(await refusalOf(payment().createOrder({ productId: "gold_pack_small", characterId: hero, currency: "JPY", idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject({
      code: Code.InvalidArgument,
      reason: "ERROR_REASON_UNSUPPORTED_CURRENCY",
    });
    const bob = await signUp(stack);
    expect(await refusalOf(payment().createOrder({ productId: "gold_pack_small", characterId: hero, currency: "EUR", idempotencyKey: randomUUID() }, bob.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
    expect(await refusalOf(payment().getOrder({ orderId: first.orderId }, bob.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_ORDER_NOT_FOUND" });
    expect((await payment().listOrders({}, alice.asPlayer)).orders.map((o) => o.orderId)).toEqual([first.orderId]);
  });

  it("is paid on the provider's checkout page, and repeated deliveries of the payment grant the gold exactly once", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const order = await orderPack(alice, hero);

    const page = await fetch(order.checkoutUrl).then((r) => r.text());
    expect(page).toContain("Pay 4.99 EUR");
    const paid = await fetch(`${order.checkoutUrl}/pay`, { method: "POST" });
    expect(await paid.text()).toContain("Payment received");
    expect((await untilOrder(alice, order.orderId, OrderState.FULFILLED)).paymentId).toMatch(/^pi_/);
    expect(await wallet(alice, hero)).toEqual({ balance: 600n, debt: 0n });

    const event = provider().events.find((e) => e.type === "checkout.session.completed" && e.body.includes(order.orderId))!;
    for (let i = 0; i < 3; i++) expect(JSON.parse((await provider().deliver(event.id)).responseBody)).toMatchObject({ received: true, outcome: 2 /* DUPLICATE */ });
    // Delivered at once by several connections, too.
    await Promise.all([1, 2, 3].map(() => provider().deliver(event.id)));
    expect(await wallet(alice, hero)).toEqual({ balance: 600n, debt: 0n });
    const grants = (await inventory().listLedgerEntries({ characterId: hero, pageSize: 100 }, alice.asPlayer)).entries.filter((e) => e.kind === LedgerEntryKind.GRANT);
    expect(grants.map((e) => e.amount)).toEqual([500n, 100n]);
  });

  it("refuses forged webhooks (bad signature, stale timestamp, altered body) with a clear reason, and grants nothing for them", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const order = await orderPack(alice, hero);
    provider().setAutoDeliver(false);
    const event = await provider().pay(sessionIdOf(order));
    provider().setAutoDeliver(true);
    const now = Math.floor(Date.now() / 1000);

    expect(await postWebhook(event.body, stripeSignature(now, event.body, ["whsec_not_the_endpoint_secret"]))).toMatchObject({ status: 400, json: { reason: "ERROR_REASON_SIGNATURE_MISMATCH" } });
    const altered = event.body.replace('"amount_total": 499', '"amount_total": 1');
    expect(altered).not.toBe(event.body);
    expect(await postWebhook(altered, stripeSignature(now, event.body, [secrets[1]!]))).toMatchObject({ status: 400, json: { reason: "ERROR_REASON_SIGNATURE_MISMATCH" } });
    expect(await postWebhook(event.body, `t=${now}`)).toMatchObject({ status: 400, json: { reason: "ERROR_REASON_SIGNATURE_MISSING" } });
    const stale = await provider().deliver(event.id, { signedAt: now - 301 });
    expect(stale.status).toBe(400);
    expect(JSON.parse(stale.responseBody)).toMatchObject({ reason: "ERROR_REASON_SIGNATURE_TIMESTAMP_OUTSIDE_TOLERANCE" });
    const untouched = await orderOf(alice, order.orderId);
    expect(untouched.paymentId).toBe("");
    expect([OrderState.PENDING, OrderState.EXPIRED]).toContain(untouched.state);
    expect(await wallet(alice, hero)).toEqual({ balance: 100n, debt: 0n });

    // The route takes POSTs of at most 64 KiB on its one path.
    expect((await fetch(webhookUrl())).status).toBe(405);
    expect((await fetch(webhookUrl().replace("/webhooks/payment", "/webhooks/other"), { method: "POST", body: "{}" })).status).toBe(404);
    const huge = await fetch(webhookUrl(), { method: "POST", headers: { "stripe-signature": `t=${now},v1=${"0".repeat(64)}` }, body: "x".repeat(70_000) });
    expect(huge.status).toBe(413);

    // The genuine delivery, signed with the other configured secret, still counts.
    expect(await postWebhook(event.body, stripeSignature(now, event.body, [secrets[0]!]))).toMatchObject({ status: 200, json: { outcome: 1 /* APPLIED */ } });
    await untilOrder(alice, order.orderId, OrderState.FULFILLED);
    expect(await wallet(alice, hero)).toEqual({ balance: 600n, debt: 0n });
  });

  it("parks a refund that arrives before its payment, and applies both when the payment comes: granted once, clawed back once", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const order = await orderPack(alice, hero);
    provider().setAutoDeliver(false);
    const paid = await provider().pay(sessionIdOf(order));
    const paymentId = JSON.parse(paid.body).data.object.payment_intent as string;
    const refunded = await provider().refund(paymentId);
    provider().setAutoDeliver(true);

    expect(JSON.parse((await provider().deliver(refunded.id)).responseBody)).toMatchObject({ outcome: 3 /* PARKED */ });
    expect(JSON.parse((await provider().deliver(paid.id)).responseBody)).toMatchObject({ outcome: 1 /* APPLIED */ });
    await untilOrder(alice, order.orderId, OrderState.REFUNDED);
    await provider().deliver(refunded.id);
    await provider().deliver(paid.id);
    const { refunds } = await payment().listRefunds({}, alice.asPlayer);
    expect(refunds).toMatchObject([{ orderId: order.orderId, origin: RefundOrigin.PROVIDER, state: RefundState.COMPLETED, goldRecovered: 500n, debtRecorded: 0n, providerEventId: refunded.id }]);
    expect(await wallet(alice, hero)).toEqual({ balance: 100n, debt: 0n });
    const kinds = (await inventory().listLedgerEntries({ characterId: hero, pageSize: 100 }, alice.asPlayer)).entries.map((e) => [e.kind, e.amount]);
    expect(kinds).toEqual([
      [LedgerEntryKind.CLAWBACK, 500n],
      [LedgerEntryKind.GRANT, 500n],
      [LedgerEntryKind.GRANT, 100n],
    ]);
  });

  it("loses no refund delivered at the same moment as its payment", async () => {
    const alice = await signUp(stack);
    const pairs = await Promise.all(
      [1, 2, 3].map(async () => {
        const hero = await newCharacter(alice);
        return { hero, order: await orderPack(alice, hero) };
      }),
    );
    provider().setAutoDeliver(false);
    const events = [];
    for (const { order } of pairs) {
      const paid = await provider().pay(sessionIdOf(order));
      events.push({ paid, refunded: await provider().refund(JSON.parse(paid.body).data.object.payment_intent as string) });
    }
    provider().setAutoDeliver(true);
    await Promise.all(events.flatMap(({ paid, refunded }) => [provider().deliver(refunded.id), provider().deliver(paid.id)]));
    for (const { hero, order } of pairs) {
      await untilOrder(alice, order.orderId, OrderState.REFUNDED);
      expect(await wallet(alice, hero)).toEqual({ balance: 100n, debt: 0n });
    }
  });

  it("refunds a player's request an admin approved; gold already spent becomes a debt that the next income repays first", async () => {
    const alice = await signUp(stack);
    const { hero, order } = await boughtPack(alice);
    await inventoryInternal().spendGold({ characterId: hero, amount: 550n, idempotencyKey: randomUUID(), reason: "test:shop" });

    const { refund } = await payment().requestRefund({ orderId: order.orderId, reason: "bought by mistake" }, alice.asPlayer);
    expect(refund).toMatchObject({ state: RefundState.REQUESTED, origin: RefundOrigin.PLAYER, gold: 500n });
    expect(await refusalOf(payment().requestRefund({ orderId: order.orderId, reason: "again" }, alice.asPlayer))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_REFUND_ALREADY_REQUESTED" });
    expect(await refusalOf(payment().decideRefund({ refundId: refund!.refundId, approve: true }, alice.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_REQUIRED" });
    expect(await refusalOf(payment().listRefunds({ all: true }, alice.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_ADMIN_REQUIRED" });

    // The operator with no end user acts as an admin (actsAsAdmin).
    const waiting = await payment().listRefunds({ all: true, state: RefundState.REQUESTED });
    expect(waiting.refunds.map((r) => r.refundId)).toContain(refund!.refundId);
    const approved = await payment().decideRefund({ refundId: refund!.refundId, approve: true, note: "goodwill" });
    expect(approved.refund?.state).toBe(RefundState.CLAWING_BACK);
    await untilOrder(alice, order.orderId, OrderState.REFUNDED);
    const { refunds } = await payment().listRefunds({}, alice.asPlayer);
    expect(refunds).toMatchObject([{ refundId: refund!.refundId, state: RefundState.COMPLETED, goldRecovered: 50n, debtRecorded: 450n, decisionNote: "goodwill" }]);
    // The provider returned the money (its charge.refunded webhook came back to us).
    expect(provider().events.some((e) => e.type === "charge.refunded" && e.body.includes(refund!.refundId))).toBe(true);
    expect(await wallet(alice, hero)).toEqual({ balance: 0n, debt: 450n });
    // Anticheat's signal.
    expect((await untilEvent("ClawbackDebtRecorded", order.orderId))[0]!.message).toMatchObject({ refundId: refund!.refundId, characterId: hero, debt: 450n, origin: RefundOrigin.PLAYER });

    await inventoryInternal().grantGold({ characterId: hero, amount: 300n, idempotencyKey: randomUUID(), reason: "test:quest" });
    expect(await wallet(alice, hero)).toEqual({ balance: 0n, debt: 150n });
    await inventoryInternal().grantGold({ characterId: hero, amount: 200n, idempotencyKey: randomUUID(), reason: "test:quest" });
    expect(await wallet(alice, hero)).toEqual({ balance: 50n, debt: 0n });
  });

  it("expires an order not paid in time (a durable job); a payment that comes later is still honoured", async () => {
    const alice = await signUp(stack);
    const hero = await newCharacter(alice);
    const order = await orderPack(alice, hero);
    await untilOrder(alice, order.orderId, OrderState.EXPIRED);
    await untilEvent("OrderExpired", order.orderId);
    await provider().pay(sessionIdOf(order));
    await untilOrder(alice, order.orderId, OrderState.FULFILLED);
    expect(await wallet(alice, hero)).toEqual({ balance: 600n, debt: 0n });
  });

  it("resumes a chargeback's clawback after inventory was away and payment was killed (-9) in the middle of it", async () => {
    const alice = await signUp(stack);
    const { hero, order } = await boughtPack(alice);
    await stack.processes.get("inventory")!.stop("SIGKILL");

    await provider().dispute(order.paymentId);
    const started = await eventually(() => payment().listRefunds({}, alice.asPlayer), (r) => r.refunds.length === 1);
    expect(started.refunds[0]).toMatchObject({ origin: RefundOrigin.CHARGEBACK, state: RefundState.CLAWING_BACK });
    expect((await orderOf(alice, order.orderId)).state).toBe(OrderState.REFUND_PENDING);
    expect((await untilEvent("ChargebackReceived", order.orderId))[0]!.message).toMatchObject({ accountId: alice.accountId, characterId: hero, amount: { amountMinor: 499n, currency: "EUR" } });

    await stack.restart("payment", "SIGKILL");
    await stack.restart("inventory");
    await untilOrder(alice, order.orderId, OrderState.CHARGED_BACK);
    expect((await payment().listRefunds({}, alice.asPlayer)).refunds[0]).toMatchObject({ state: RefundState.COMPLETED, goldRecovered: 500n, debtRecorded: 0n });
    expect(await wallet(alice, hero)).toEqual({ balance: 100n, debt: 0n });
    const clawbacks = (await inventory().listLedgerEntries({ characterId: hero, pageSize: 100 }, alice.asPlayer)).entries.filter((e) => e.kind === LedgerEntryKind.CLAWBACK);
    expect(clawbacks.map((e) => e.amount)).toEqual([500n]);
  }, 120_000);
});
