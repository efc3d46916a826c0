import { randomUUID } from "node:crypto";
import { ErrorReason } from "@chaos/gen/chaos/payment/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import type { ProductRecord } from "./catalogue.js";
import { clawbackStarted, orderCreated, refundRejected, refundRequested } from "./payment-events.js";
import type { PaymentProvider } from "./payment-provider.js";
import type { OrderRecord, RefundRecord, RefundStatus } from "./payment-records.js";
import type { ListCursor, PaymentStore } from "./payment-store.js";

/** A player's purchase request. */
export interface OrderCommand {
  readonly accountId: string;
  readonly characterId: string;
  readonly productId: string;
  readonly currency: string;
  readonly idempotencyKey: string;
}

export interface OrderLimits {
  readonly orderTtlMs: number;
  readonly maxPendingOrders: number;
  readonly refundWindowMs: number;
}

/** The store's public face: the catalogue, orders, refund requests and the admin's decisions. */
export interface Orders {
  readonly products: readonly ProductRecord[];
  createOrder(command: OrderCommand): Promise<OrderRecord>;
  /** The caller's order; NOT_FOUND for anyone else's. */
  getOrder(accountId: string, orderId: string): Promise<OrderRecord>;
  listOrders(accountId: string, cursor: ListCursor | undefined, limit: number): Promise<OrderRecord[]>;
  requestRefund(accountId: string, orderId: string, reason: string): Promise<RefundRecord>;
  listRefunds(accountId: string | undefined, status: RefundStatus | undefined, cursor: ListCursor | undefined, limit: number): Promise<RefundRecord[]>;
  decideRefund(refundId: string, approve: boolean, note: string): Promise<RefundRecord>;
}

const state = (status: string) => ({ state: status });

export function createOrders(store: PaymentStore, provider: PaymentProvider, products: readonly ProductRecord[], limits: OrderLimits): Orders {
  const byId = new Map(products.map((p) => [p.productId, p]));

  /** Opens the provider's checkout for an order that has none yet (the first try failed, or never ran). */
  async function withCheckout(order: OrderRecord): Promise<OrderRecord> {
    if (order.checkoutUrl !== "" || order.status !== "pending") return order;
    const session = await provider.createCheckoutSession(order);
    return store.transaction((tx) => tx.updateOrder(order.orderId, { checkoutSessionId: session.sessionId, checkoutUrl: session.url }));
  }

  const sameOrder = (order: OrderRecord, command: OrderCommand) =>
    order.characterId === command.characterId && order.productId === command.productId && order.currency === command.currency;

  return {
    products,
    async createOrder(command) {
      const product = byId.get(command.productId);
      if (product === undefined) throw new DomainError(ErrorReason.PRODUCT_NOT_FOUND, `no product "${command.productId}"`);
      const price = product.prices.get(command.currency);
      if (price === undefined) {
        throw new DomainError(ErrorReason.UNSUPPORTED_CURRENCY, `"${command.productId}" is not sold in ${command.currency}`, { currencies: [...product.prices.keys()].join(",") });
      }
      const order = await store.transaction(async (tx) => {
        const earlier = await tx.orderByKey(command.accountId, command.idempotencyKey);
        if (earlier !== undefined) {
          if (!sameOrder(earlier, command)) throw new DomainError(ErrorReason.IDEMPOTENCY_KEY_REUSED, "this idempotency key was used for another order");
          return earlier;
        }
        if ((await tx.ownerOf(command.characterId)) !== command.accountId) throw new DomainError(ErrorReason.NOT_CHARACTER_OWNER, "you can only buy for your own characters");
        if ((await tx.pendingOrderCount(command.accountId)) >= limits.maxPendingOrders) {
          throw new DomainError(ErrorReason.TOO_MANY_PENDING_ORDERS, `at most ${limits.maxPendingOrders} orders may wait for payment at once`, { max: String(limits.maxPendingOrders) });
        }
        const created = await tx.insertOrder({
          orderId: randomUUID(),
          accountId: command.accountId,
          characterId: command.characterId,
          productId: product.productId,
          gold: product.gold,
          amountMinor: price,
          currency: command.currency,
          idempotencyKey: command.idempotencyKey,
          expiresAt: new Date(Date.now() + limits.orderTtlMs),
        });
        // A concurrent first use of the key inserted it: that one is the order.
        if (created === undefined) return (await tx.orderByKey(command.accountId, command.idempotencyKey))!;
        await tx.schedule([{ kind: "expire", id: created.orderId, at: created.expiresAt }]);
        await tx.publish([orderCreated(created)]);
        return created;
      });
      return withCheckout(order);
    },
    async getOrder(accountId, orderId) {
      const order = await store.order(orderId);
      if (order?.accountId !== accountId) throw new DomainError(ErrorReason.ORDER_NOT_FOUND, "no such order");
      return order;
    },
    listOrders: (accountId, cursor, limit) => store.ordersOf(accountId, cursor, limit),
    async requestRefund(accountId, orderId, reason) {
      return store.transaction(async (tx) => {
        const order = await tx.lockOrder(orderId);
        if (order?.accountId !== accountId) throw new DomainError(ErrorReason.ORDER_NOT_FOUND, "no such order");
        if ((await tx.refundOfOrder(orderId)) !== undefined) throw new DomainError(ErrorReason.REFUND_ALREADY_REQUESTED, "a refund of this order was already requested");
        if (order.status !== "fulfilled") throw new DomainError(ErrorReason.INVALID_ORDER_STATE, "only a fulfilled order can be refunded", state(order.status));
        if (Date.now() - order.fulfilledAt!.getTime() > limits.refundWindowMs) {
          throw new DomainError(ErrorReason.REFUND_WINDOW_CLOSED, "the refund window of this order has passed", { window_days: String(Math.round(limits.refundWindowMs / 86_400_000)) });
        }
        const refund = await tx.insertRefund({
          refundId: randomUUID(),
          orderId,
          accountId,
          characterId: order.characterId,
          origin: "player",
          status: "requested",
          reason,
          gold: order.gold,
          providerEventId: "",
        });
        await tx.publish([refundRequested(refund)]);
        return refund;
      });
    },
    listRefunds: (accountId, status, cursor, limit) => store.refunds(accountId, status, cursor, limit),
    async decideRefund(refundId, approve, note) {
      return store.transaction(async (tx) => {
        const refund = await tx.lockRefund(refundId);
        if (refund === undefined) throw new DomainError(ErrorReason.REFUND_NOT_FOUND, "no such refund");
        const decided = approve ? refund.status === "clawing_back" || refund.status === "completed" : refund.status === "rejected";
        if (decided) return refund;
        if (refund.status !== "requested") throw new DomainError(ErrorReason.INVALID_REFUND_STATE, "this refund was already decided otherwise", state(refund.status));
        const at = new Date();
        if (!approve) {
          const rejected = await tx.updateRefund(refundId, { status: "rejected", decisionNote: note });
          await tx.publish([refundRejected(rejected)]);
          return rejected;
        }
        const approved = await tx.updateRefund(refundId, { status: "clawing_back", decisionNote: note });
        await tx.updateOrder(refund.orderId, { status: "refund_pending" });
        await tx.schedule([{ kind: "clawback", id: refundId, at }]);
        await tx.publish([clawbackStarted(approved)]);
        return approved;
      });
    },
  };
}
