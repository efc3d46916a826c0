/** Where an order is (orders.state). */
export type OrderStatus = "pending" | "paid" | "fulfilled" | "failed" | "expired" | "refund_pending" | "refunded" | "charged_back";
export type RefundOrigin = "player" | "provider" | "chargeback";
export type RefundStatus = "requested" | "clawing_back" | "completed" | "rejected";

/** One purchase of one gold pack. */
export interface OrderRecord {
  readonly orderId: string;
  readonly accountId: string;
  readonly characterId: string;
  readonly productId: string;
  readonly gold: bigint;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly idempotencyKey: string;
  readonly checkoutSessionId: string | undefined;
  readonly checkoutUrl: string;
  readonly paymentId: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly expiresAt: Date;
  readonly fulfilledAt: Date | undefined;
}

/** A refund or chargeback and how far its clawback got. */
export interface RefundRecord {
  readonly refundId: string;
  readonly orderId: string;
  readonly accountId: string;
  readonly characterId: string;
  readonly origin: RefundOrigin;
  readonly status: RefundStatus;
  readonly reason: string;
  readonly gold: bigint;
  readonly goldRecovered: bigint;
  readonly debtRecorded: bigint;
  readonly decisionNote: string;
  readonly providerEventId: string;
  readonly providerRefundedAt: Date | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
