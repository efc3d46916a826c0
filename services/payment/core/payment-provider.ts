/** The payment provider as payment's core uses it (Stripe-shaped; clients/provider-api.ts speaks its HTTP API). */
export interface PaymentProvider {
  /** Opens a hosted checkout for an order; the same order asks again harmlessly (Idempotency-Key). */
  createCheckoutSession(order: { orderId: string; amountMinor: bigint; currency: string }): Promise<{ sessionId: string; url: string }>;
  /** Returns a payment's money; idempotent by the refund id. */
  refundPayment(paymentId: string, refundId: string): Promise<void>;
}
