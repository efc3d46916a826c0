import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/payment/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { chargebackReceived, clawbackStarted } from "./payment-events.js";
import type { PaymentStore, PaymentTransaction, StoredProviderEvent } from "./payment-store.js";
import { SignatureRefused, verifySignature, type SignatureKeys } from "./webhook-signature.js";

/** What became of a verified event (WebhookOutcome). */
export type WebhookOutcome = "applied" | "duplicate" | "parked" | "ignored";

export interface ProviderWebhooks {
  /** Verifies the signature over the raw bytes, then applies the event once. */
  handle(rawBody: Uint8Array, signatureHeader: string): Promise<{ eventId: string; outcome: WebhookOutcome }>;
}

/** The fields of a provider event payment reads. */
interface ProviderEvent {
  readonly id: string;
  readonly type: string;
  readonly object: { readonly id?: string; readonly client_reference_id?: string; readonly payment_intent?: string; readonly metadata?: Record<string, string> };
}

const refusals: Record<SignatureRefused["refusal"], ErrorReason> = {
  missing: ErrorReason.SIGNATURE_MISSING,
  mismatch: ErrorReason.SIGNATURE_MISMATCH,
  timestamp_outside_tolerance: ErrorReason.SIGNATURE_TIMESTAMP_OUTSIDE_TOLERANCE,
};

function parseEvent(text: string): ProviderEvent {
  let raw: { id?: unknown; type?: unknown; data?: { object?: unknown } };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    throw new DomainError(ErrorReason.MALFORMED_EVENT, "the webhook body is not JSON");
  }
  if (typeof raw.id !== "string" || !/^evt_[A-Za-z0-9]{1,64}$/.test(raw.id) || typeof raw.type !== "string" || typeof raw.data?.object !== "object" || raw.data.object === null) {
    throw new DomainError(ErrorReason.MALFORMED_EVENT, "the webhook body is no provider event (id evt_…, type, data.object)");
  }
  return { id: raw.id, type: raw.type, object: raw.data.object as ProviderEvent["object"] };
}

/**
 * Applies provider events, each once by its id, in one transaction with the
 * changes it makes. The provider delivers at least once and in any order:
 * - checkout.session.completed: the order is PAID and its fulfilment job queued;
 *   events parked for its payment are applied right after, in the same transaction.
 * - charge.refunded / charge.dispute.created: the refund's clawback saga starts
 *   (a refund the saga itself asked for is only confirmed). One about a payment
 *   not seen yet is parked (waiting_for the payment id), not lost.
 * Other types are acknowledged and ignored, as Stripe advises.
 */
export function createProviderWebhooks(store: PaymentStore, keys: SignatureKeys): ProviderWebhooks {
  /** Applies one event; "parked" when it needs a payment not seen yet. */
  async function apply(tx: PaymentTransaction, event: ProviderEvent): Promise<Exclude<WebhookOutcome, "duplicate">> {
    const at = new Date();
    switch (event.type) {
      case "checkout.session.completed": {
        const orderId = event.object.client_reference_id ?? "";
        const paymentId = event.object.payment_intent ?? "";
        const order = /^[0-9a-f-]{36}$/.test(orderId) ? await tx.lockOrder(orderId) : undefined;
        if (order === undefined || order.checkoutSessionId !== event.object.id || paymentId === "") return "ignored";
        if (order.status !== "pending" && order.status !== "expired") return "applied";
        await tx.lockPayment(paymentId);
        // A payment after expiry is still money received: it is fulfilled (the player paid in good faith).
        await tx.updateOrder(order.orderId, { status: "paid", paymentId });
        await tx.schedule([{ kind: "fulfil", id: order.orderId, at }]);
        for (const parked of await tx.parkedFor(paymentId)) {
          const outcome = await apply(tx, parseEvent(parked.body));
          await tx.markProviderEvent(parked.eventId, outcome === "parked" ? "parked" : outcome, outcome === "parked" ? paymentId : undefined);
        }
        return "applied";
      }
      case "charge.refunded":
      case "charge.dispute.created": {
        const paymentId = event.object.payment_intent ?? "";
        if (paymentId === "") return "ignored";
        await tx.lockPayment(paymentId);
        const order = await tx.lockOrderByPayment(paymentId);
        if (order === undefined) return "parked";
        const chargeback = event.type === "charge.dispute.created";
        if (chargeback) await tx.publish([chargebackReceived(order, event.id, at)]);
        const existing = await tx.refundOfOrder(order.orderId);
        if (existing !== undefined) {
          // The saga's own refund, confirmed; or a second word on an order already being clawed back.
          if (!chargeback && existing.providerRefundedAt === undefined && existing.status !== "requested" && existing.status !== "rejected") {
            await tx.updateRefund(existing.refundId, { providerRefundedAt: at });
          }
          if (existing.status !== "requested" && existing.status !== "rejected") return "applied";
          // A pending or rejected request is overtaken by the provider: the money is gone either way.
          await tx.updateRefund(existing.refundId, { status: "clawing_back", providerRefundedAt: at, decisionNote: `overtaken by the provider's ${event.type}` });
          await tx.updateOrder(order.orderId, { status: "refund_pending" });
          await tx.schedule([{ kind: "clawback", id: existing.refundId, at }]);
          await tx.publish([clawbackStarted((await tx.refund(existing.refundId))!)]);
          return "applied";
        }
        const refund = await tx.insertRefund({
          refundId: randomUUID(),
          orderId: order.orderId,
          accountId: order.accountId,
          characterId: order.characterId,
          origin: chargeback ? "chargeback" : "provider",
          status: "clawing_back",
          reason: chargeback ? "chargeback" : "refunded by the provider",
          gold: order.gold,
          providerEventId: event.id,
        });
        await tx.updateRefund(refund.refundId, { providerRefundedAt: at });
        await tx.updateOrder(order.orderId, { status: "refund_pending" });
        await tx.schedule([{ kind: "clawback", id: refund.refundId, at }]);
        await tx.publish([clawbackStarted(refund)]);
        return "applied";
      }
      default:
        return "ignored";
    }
  }

  return {
    async handle(rawBody, signatureHeader) {
      try {
        verifySignature(rawBody, signatureHeader, keys, Math.floor(Date.now() / 1000));
      } catch (error) {
        if (!(error instanceof SignatureRefused)) throw error;
        const metadata = error.refusal === "timestamp_outside_tolerance" ? { tolerance_seconds: String(keys.toleranceSeconds) } : undefined;
        throw new DomainError(refusals[error.refusal], error.message, metadata);
      }
      const body = Buffer.from(rawBody).toString("utf8");
      const event = parseEvent(body);
      const outcome = await store.transaction(async (tx): Promise<WebhookOutcome> => {
        const stored: StoredProviderEvent = { eventId: event.id, type: event.type, body, status: "parked" };
        const earlier = await tx.claimProviderEvent(stored);
        if (earlier !== undefined && earlier.status !== "parked") return "duplicate";
        const applied = await apply(tx, event);
        await tx.markProviderEvent(event.id, applied, applied === "parked" ? event.object.payment_intent : undefined);
        return applied;
      });
      return { eventId: event.id, outcome };
    },
  };
}
