import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { OrderRecord, OrderStatus, RefundRecord, RefundStatus } from "./payment-records.js";

/** The durable jobs of payment's sagas (mesh_jobs), each keyed by its order or refund. */
export interface PaymentJobs {
  /** Grant a paid order's gold (once, by the order's key). */
  readonly fulfil: { readonly orderId: string };
  /** End a pending order that was not paid in time. */
  readonly expire: { readonly orderId: string };
  /** Take a refund's gold back (the clawback saga). */
  readonly clawback: { readonly refundId: string };
}

export interface PaymentJob {
  readonly kind: keyof PaymentJobs;
  readonly id: string;
  readonly at: Date;
}

/** A new order row. */
export type NewOrder = Omit<OrderRecord, "status" | "checkoutSessionId" | "checkoutUrl" | "paymentId" | "createdAt" | "updatedAt" | "fulfilledAt">;

/** A new refund row. */
export type NewRefund = Pick<RefundRecord, "refundId" | "orderId" | "accountId" | "characterId" | "origin" | "status" | "reason" | "gold" | "providerEventId">;

/** Changes to an order; updated_at moves with every one. */
export interface OrderChange {
  readonly status?: OrderStatus;
  readonly checkoutSessionId?: string;
  readonly checkoutUrl?: string;
  readonly paymentId?: string;
  readonly fulfilledAt?: Date;
}

/** Changes to a refund. */
export interface RefundChange {
  readonly status?: RefundStatus;
  readonly goldRecovered?: bigint;
  readonly debtRecorded?: bigint;
  readonly decisionNote?: string;
  readonly providerRefundedAt?: Date;
}

/** A provider event as kept (dedupe and parking). */
export interface StoredProviderEvent {
  readonly eventId: string;
  readonly type: string;
  readonly body: string;
  readonly status: "applied" | "parked" | "ignored";
}

/** A page position of a listing, newest first. */
export interface ListCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export interface PaymentReads {
  order(orderId: string): Promise<OrderRecord | undefined>;
  refund(refundId: string): Promise<RefundRecord | undefined>;
  refundOfOrder(orderId: string): Promise<RefundRecord | undefined>;
  ordersOf(accountId: string, cursor: ListCursor | undefined, limit: number): Promise<OrderRecord[]>;
  /** Refunds of one account, or of every account when undefined, optionally in one state. */
  refunds(accountId: string | undefined, status: RefundStatus | undefined, cursor: ListCursor | undefined, limit: number): Promise<RefundRecord[]>;
  /** The owning player of a live character, if payment has heard of it. */
  ownerOf(characterId: string): Promise<string | undefined>;
}

export interface PaymentStore extends PaymentReads {
  transaction<T>(work: (tx: PaymentTransaction) => Promise<T>): Promise<T>;
}

export interface PaymentTransaction extends PaymentReads {
  lockOrder(orderId: string): Promise<OrderRecord | undefined>;
  lockOrderByPayment(paymentId: string): Promise<OrderRecord | undefined>;
  /**
   * Serialises the transactions about one provider payment until commit: a
   * refund parked for a payment and that payment's arrival cannot pass each
   * other unseen (one of them always sees the other's commit).
   */
  lockPayment(paymentId: string): Promise<void>;
  lockRefund(refundId: string): Promise<RefundRecord | undefined>;
  orderByKey(accountId: string, idempotencyKey: string): Promise<OrderRecord | undefined>;
  pendingOrderCount(accountId: string): Promise<number>;
  /** Inserts the order unless the key is taken (a concurrent first use): then undefined. */
  insertOrder(order: NewOrder): Promise<OrderRecord | undefined>;
  updateOrder(orderId: string, change: OrderChange): Promise<OrderRecord>;
  insertRefund(refund: NewRefund): Promise<RefundRecord>;
  updateRefund(refundId: string, change: RefundChange): Promise<RefundRecord>;
  /** Records a provider event by id, or returns the one already kept (which is then locked). */
  claimProviderEvent(event: StoredProviderEvent & { waitingFor?: string }): Promise<StoredProviderEvent | undefined>;
  markProviderEvent(eventId: string, status: StoredProviderEvent["status"], waitingFor?: string): Promise<void>;
  /** Parked events waiting for this payment, locked, oldest first. */
  parkedFor(paymentId: string): Promise<StoredProviderEvent[]>;
  recordCharacter(characterId: string, playerId: string): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  schedule(jobs: readonly PaymentJob[]): Promise<void>;
}
