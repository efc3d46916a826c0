import type { PaymentProvider } from "../core/payment-provider.js";

/** Each provider call gets this long: a step of a saga, retried by its job. */
const callTimeoutMs = 5_000;

/** The provider's HTTP API (Stripe-shaped, JSON bodies; the local emulator answers it). */
export function createProviderApi(baseUrl: string): PaymentProvider {
  async function post(path: string, idempotencyKey: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the payment provider answered ${response.status} to ${path}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
  return {
    async createCheckoutSession(order) {
      const session = await post("/v1/checkout/sessions", `checkout:${order.orderId}`, {
        client_reference_id: order.orderId,
        amount_total: Number(order.amountMinor),
        currency: order.currency.toLowerCase(),
        metadata: { order_id: order.orderId },
      });
      return { sessionId: String(session.id), url: String(session.url) };
    },
    async refundPayment(paymentId, refundId) {
      await post("/v1/refunds", `refund:${refundId}`, { payment_intent: paymentId, metadata: { refund_id: refundId } });
    },
  };
}
