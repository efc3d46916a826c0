import type { JobHandlers } from "@chaos/mesh/domain";
import { clawbackKey, grantKey, type GoldLedger } from "./gold-ledger.js";
import { clawbackCompleted, clawbackDebtRecorded, orderExpired, orderFulfilled } from "./payment-events.js";
import type { PaymentProvider } from "./payment-provider.js";
import type { OrderRecord } from "./payment-records.js";
import type { PaymentJobs, PaymentStore } from "./payment-store.js";

/**
 * Payment's durable work, each a job (mesh_jobs) that a crash only delays:
 *
 * - fulfil: a paid order's gold, granted by inventory under the order's key
 *   (so however often it runs, the gold arrives once), then FULFILLED.
 * - expire: a pending order not paid by its expire_time becomes EXPIRED.
 * - clawback, the refund saga, by steps each recorded before the next:
 *     1. the order's gold granted (a refund can overtake its fulfilment: the
 *        grant, idempotent, is made first so the clawback has something to take);
 *     2. for a player's refund, the provider asked to return the money
 *        (idempotent by refund id; its charge.refunded webhook confirms);
 *     3. inventory's ClawbackGold under the refund's key: what the wallet has,
 *        the rest its debt; then COMPLETED, the order REFUNDED or CHARGED_BACK.
 *   A run that dies between a call and its record repeats the call with the
 *   same key and gets the first answer.
 */
export function createPaymentSagas(store: PaymentStore, ledger: GoldLedger, provider: PaymentProvider): JobHandlers<PaymentJobs> {
  /** Grants the order's gold unless recorded as granted, and records it. */
  async function ensureGranted(order: OrderRecord): Promise<void> {
    if (order.fulfilledAt !== undefined) return;
    await ledger.grantGold(order.characterId, order.gold, grantKey(order.orderId), `payment:order:${order.orderId}`);
    await store.transaction(async (tx) => {
      const locked = await tx.lockOrder(order.orderId);
      if (locked === undefined || locked.fulfilledAt !== undefined) return;
      const at = new Date();
      const fulfilled = await tx.updateOrder(order.orderId, { fulfilledAt: at, ...(locked.status === "paid" ? { status: "fulfilled" as const } : {}) });
      await tx.publish([orderFulfilled(fulfilled, at)]);
    });
  }

  return {
    async fulfil({ orderId }) {
      const order = await store.order(orderId);
      if (order === undefined || order.status === "pending" || order.status === "expired" || order.status === "failed") return;
      await ensureGranted(order);
    },
    async expire({ orderId }) {
      await store.transaction(async (tx) => {
        const order = await tx.lockOrder(orderId);
        if (order?.status !== "pending") return;
        const at = new Date();
        await tx.publish([orderExpired(await tx.updateOrder(orderId, { status: "expired" }), at)]);
      });
    },
    async clawback({ refundId }) {
      const refund = await store.refund(refundId);
      if (refund?.status !== "clawing_back") return;
      const order = await store.order(refund.orderId);
      if (order === undefined) return;
      await ensureGranted(order);
      if (refund.origin === "player" && refund.providerRefundedAt === undefined) {
        // Confirmed by the provider's charge.refunded webhook too; asking twice returns the money once (keyed by refund id).
        await provider.refundPayment(order.paymentId!, refundId);
        await store.transaction((tx) => tx.updateRefund(refundId, { providerRefundedAt: new Date() }).then(() => undefined));
      }
      const taken = await ledger.clawbackGold(order.characterId, refund.gold, clawbackKey(refundId), `payment:refund:${refundId}`);
      await store.transaction(async (tx) => {
        const current = await tx.lockRefund(refundId);
        if (current?.status !== "clawing_back") return;
        const at = new Date();
        const completed = await tx.updateRefund(refundId, { status: "completed", goldRecovered: taken.recovered, debtRecorded: taken.debtRecorded });
        await tx.updateOrder(order.orderId, { status: refund.origin === "chargeback" ? "charged_back" : "refunded" });
        const events = [clawbackCompleted(completed, at)];
        if (taken.debtRecorded > 0n) events.push(clawbackDebtRecorded(completed, at));
        await tx.publish(events);
      });
    },
  };
}
