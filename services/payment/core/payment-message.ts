import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { MoneySchema, OrderSchema, OrderState, ProductSchema, RefundOrigin, RefundSchema, RefundState, type Order, type Product, type Refund } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { ProductRecord } from "./catalogue.js";
import type { OrderRecord, OrderStatus, RefundOrigin as Origin, RefundRecord, RefundStatus } from "./payment-records.js";

export const orderStates: Record<OrderStatus, OrderState> = {
  pending: OrderState.PENDING,
  paid: OrderState.PAID,
  fulfilled: OrderState.FULFILLED,
  failed: OrderState.FAILED,
  expired: OrderState.EXPIRED,
  refund_pending: OrderState.REFUND_PENDING,
  refunded: OrderState.REFUNDED,
  charged_back: OrderState.CHARGED_BACK,
};

export const refundStates: Record<RefundStatus, RefundState> = {
  requested: RefundState.REQUESTED,
  clawing_back: RefundState.CLAWING_BACK,
  completed: RefundState.COMPLETED,
  rejected: RefundState.REJECTED,
};

export const refundOrigins: Record<Origin, RefundOrigin> = {
  player: RefundOrigin.PLAYER,
  provider: RefundOrigin.PROVIDER,
  chargeback: RefundOrigin.CHARGEBACK,
};

export function toProduct(product: ProductRecord): Product {
  return create(ProductSchema, {
    productId: product.productId,
    displayName: product.displayName,
    gold: product.gold,
    prices: [...product.prices].map(([currency, amountMinor]) => create(MoneySchema, { currency, amountMinor })),
  });
}

export function toOrder(order: OrderRecord): Order {
  return create(OrderSchema, {
    orderId: order.orderId,
    accountId: order.accountId,
    characterId: order.characterId,
    productId: order.productId,
    price: create(MoneySchema, { amountMinor: order.amountMinor, currency: order.currency }),
    gold: order.gold,
    state: orderStates[order.status],
    checkoutSessionId: order.checkoutSessionId ?? "",
    checkoutUrl: order.checkoutUrl,
    paymentId: order.paymentId ?? "",
    createTime: timestampFromDate(order.createdAt),
    updateTime: timestampFromDate(order.updatedAt),
    expireTime: timestampFromDate(order.expiresAt),
  });
}

export function toRefund(refund: RefundRecord): Refund {
  return create(RefundSchema, {
    refundId: refund.refundId,
    orderId: refund.orderId,
    accountId: refund.accountId,
    characterId: refund.characterId,
    origin: refundOrigins[refund.origin],
    state: refundStates[refund.status],
    reason: refund.reason,
    gold: refund.gold,
    goldRecovered: refund.goldRecovered,
    debtRecorded: refund.debtRecorded,
    decisionNote: refund.decisionNote,
    providerEventId: refund.providerEventId,
    createTime: timestampFromDate(refund.createdAt),
    updateTime: timestampFromDate(refund.updatedAt),
  });
}
