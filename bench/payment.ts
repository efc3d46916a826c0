/**
 * Payment webhooks (issue: payment): how many provider webhooks become
 * fulfilled orders per second, end to end on loopback, next to the cost of
 * the signature check alone in the same run.
 *
 * A world of identity, inventory, payment and the gateway, with the provider
 * emulator holding its events back: orders are created and paid first (not
 * timed), then every checkout.session.completed is delivered, signed, to the
 * gateway's POST /webhooks/payment by a bounded number of concurrent
 * senders, and the clock stops when every order is FULFILLED (its GrantGold
 * through inventory's ledger done by payment's job). Then every event is
 * delivered once more (duplicates, acknowledged without effect).
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { OrderState } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import { PaymentService } from "@chaos/gen/chaos/payment/v1/payment_service_pb.js";
import { CharacterClass } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { CharacterCreatedSchema } from "@chaos/gen/chaos/player/v1/events_pb.js";
import { topicName } from "@chaos/mesh";
import { startProviderEmulator } from "../clients/payment-provider/provider-emulator.js";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { signUp, type TestPlayer } from "../scripts/test/players.js";
import { freePort, startStack } from "../scripts/test/stack.js";
import { cloudEvent, eventually, publish } from "../scripts/test/topic-events.js";
import { verifySignature } from "../services/payment/core/webhook-signature.js";

/** Sizes; {@link defaultPaymentPlan} is what `npm run bench` uses (under a minute). */
export interface PaymentPlan {
  readonly players: number;
  readonly ordersPerPlayer: number;
  /** Webhook deliveries in flight at once. */
  readonly concurrency: number;
}

export const defaultPaymentPlan: PaymentPlan = { players: 8, ordersPerPlayer: 50, concurrency: 16 };

export interface PaymentBenchResult {
  readonly plan: PaymentPlan;
  readonly orders: number;
  /** First deliveries: until every webhook was acknowledged, and until every order was fulfilled. */
  readonly acknowledgedPerSecond: number;
  readonly fulfilledPerSecond: number;
  readonly fulfilSeconds: number;
  /** Second deliveries of the same events (duplicates) acknowledged per second. */
  readonly duplicatesPerSecond: number;
  /** The signature check alone (HMAC-SHA256 over a webhook body, one secret), per second of one core. */
  readonly verificationsPerSecond: number;
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function runPaymentBench(infra: InfraEndpoints, plan: PaymentPlan = defaultPaymentPlan): Promise<PaymentBenchResult> {
  const secret = `whsec_${randomBytes(16).toString("hex")}`;
  const provider = await startProviderEmulator({ signingSecrets: [secret], autoDeliver: false });
  const webhookPort = await freePort();
  provider.setWebhookUrl(`http://127.0.0.1:${webhookPort}/webhooks/payment`);
  const stack = await startStack(infra, ["identity", "inventory", "payment", "gateway"], {
    env: {
      CHAOS_LOG_LEVEL: "warn",
      CHAOS_PAYMENT_WEBHOOK_SECRETS: secret,
      CHAOS_PAYMENT_PROVIDER_URL: provider.url,
      CHAOS_PAYMENT_MAX_PENDING_ORDERS: String(plan.ordersPerPlayer),
      CHAOS_GATEWAY_WEBHOOK_PORT: String(webhookPort),
    },
  });
  try {
    const payment = stack.operator.client(PaymentService, "payment");
    console.log(`[bench] payment: ${plan.players} players ordering ${plan.ordersPerPlayer} gold packs each`);
    const buyers: { player: TestPlayer; characterId: string }[] = [];
    for (let i = 0; i < plan.players; i++) {
      const player = await signUp(stack);
      const characterId = randomUUID();
      const message = create(CharacterCreatedSchema, { characterId, playerId: player.accountId, name: `Bench${i}`, characterClass: CharacterClass.MAGE });
      await publish(infra.kafka, [cloudEvent(`${stack.world}.${topicName("player", "characters")}`, "spiffe://chaos.world/ns/chaos/sa/player", characterId, CharacterCreatedSchema, message)]);
      buyers.push({ player, characterId });
    }
    const orders: { player: TestPlayer; sessionId: string }[] = [];
    for (const { player, characterId } of buyers) {
      for (let n = 0; n < plan.ordersPerPlayer; n++) {
        const order = await eventually(
          () => payment.createOrder({ productId: "gold_pack_small", characterId, currency: "EUR", idempotencyKey: randomUUID() }, player.asPlayer).then((r) => r.order, () => undefined),
          (o) => o !== undefined,
        );
        orders.push({ player, sessionId: order!.checkoutSessionId });
      }
    }
    const events = [];
    for (const order of orders) events.push(await provider.pay(order.sessionId));

    const fulfilledCount = async () => {
      let count = 0;
      for (const { player } of buyers) {
        const { orders: page } = await payment.listOrders({ pageSize: 100 }, player.asPlayer);
        count += page.filter((o) => o.state === OrderState.FULFILLED).length;
      }
      return count;
    };

    const started = performance.now();
    await inBatches(events, plan.concurrency, async (event) => {
      const delivery = await provider.deliver(event.id);
      if (delivery.status !== 200) throw new Error(`a webhook was refused: ${delivery.status} ${delivery.responseBody}`);
    });
    const acknowledged = (performance.now() - started) / 1000;
    await eventually(fulfilledCount, (n) => n === orders.length, 120_000);
    const fulfilSeconds = (performance.now() - started) / 1000;

    const again = performance.now();
    await inBatches(events, plan.concurrency, async (event) => {
      await provider.deliver(event.id);
    });
    const duplicateSeconds = (performance.now() - again) / 1000;

    const body = Buffer.from(events[0]!.body);
    const timestamp = Math.floor(Date.now() / 1000);
    const header = `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
    const rounds = 20_000;
    const verifyStarted = performance.now();
    for (let i = 0; i < rounds; i++) verifySignature(body, header, { secrets: [secret], toleranceSeconds: 300 }, timestamp);
    const verifySeconds = (performance.now() - verifyStarted) / 1000;

    return {
      plan,
      orders: orders.length,
      acknowledgedPerSecond: orders.length / acknowledged,
      fulfilledPerSecond: orders.length / fulfilSeconds,
      fulfilSeconds,
      duplicatesPerSecond: orders.length / duplicateSeconds,
      verificationsPerSecond: rounds / verifySeconds,
    };
  } finally {
    await stack.stop();
    await provider.close();
  }
}

export function paymentTable(result: PaymentBenchResult): string[] {
  return [
    "## Payment webhooks: signed deliveries to fulfilled orders, next to the signature check alone",
    "",
    `${result.orders} paid orders (${result.plan.players} players × ${result.plan.ordersPerPlayer}), their checkout.session.completed webhooks delivered by the provider emulator to the gateway's POST /webhooks/payment, ${result.plan.concurrency} at once, on loopback; a fulfilment is the order FULFILLED after inventory's GrantGold (payment's job).`,
    "",
    "| measure | per second |",
    "|---|---|",
    `| webhooks acknowledged (verified, deduped, order PAID, job queued) | ${result.acknowledgedPerSecond.toFixed(0)} |`,
    `| fulfilments (until every order FULFILLED: ${result.fulfilSeconds.toFixed(1)} s) | ${result.fulfilledPerSecond.toFixed(0)} |`,
    `| duplicate deliveries acknowledged | ${result.duplicatesPerSecond.toFixed(0)} |`,
    `| signature check alone (one core) | ${result.verificationsPerSecond.toFixed(0)} |`,
    "",
  ];
}
