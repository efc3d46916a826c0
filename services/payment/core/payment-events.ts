import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ChargebackReceivedSchema,
  ClawbackCompletedSchema,
  ClawbackDebtRecordedSchema,
  ClawbackStartedSchema,
  OrderCreatedSchema,
  OrderExpiredSchema,
  OrderFulfilledSchema,
  RefundRejectedSchema,
  RefundRequestedSchema,
} from "@chaos/gen/chaos/payment/v1/events_pb.js";
import { MoneySchema } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { OrderRecord, RefundRecord } from "./payment-records.js";
import { refundOrigins, toOrder, toRefund } from "./payment-message.js";

/** Every payment event goes to chaos.payment.v1.orders, keyed by the order. */
function orderEvent<Desc extends DescMessage>(orderId: string, schema: Desc, message: MessageShape<Desc>): OutgoingEvent {
  return { topic: topicName("payment", "orders"), aggregateId: orderId, schema, message };
}

export const orderCreated = (order: OrderRecord) => orderEvent(order.orderId, OrderCreatedSchema, create(OrderCreatedSchema, { order: toOrder(order) }));

export const orderFulfilled = (order: OrderRecord, at: Date) =>
  orderEvent(order.orderId, OrderFulfilledSchema, create(OrderFulfilledSchema, { order: toOrder(order), fulfilTime: timestampFromDate(at) }));

export const orderExpired = (order: OrderRecord, at: Date) =>
  orderEvent(order.orderId, OrderExpiredSchema, create(OrderExpiredSchema, { orderId: order.orderId, accountId: order.accountId, expireTime: timestampFromDate(at) }));

export const refundRequested = (refund: RefundRecord) => orderEvent(refund.orderId, RefundRequestedSchema, create(RefundRequestedSchema, { refund: toRefund(refund) }));

export const refundRejected = (refund: RefundRecord) => orderEvent(refund.orderId, RefundRejectedSchema, create(RefundRejectedSchema, { refund: toRefund(refund) }));

export const clawbackStarted = (refund: RefundRecord) => orderEvent(refund.orderId, ClawbackStartedSchema, create(ClawbackStartedSchema, { refund: toRefund(refund) }));

export const clawbackCompleted = (refund: RefundRecord, at: Date) =>
  orderEvent(refund.orderId, ClawbackCompletedSchema, create(ClawbackCompletedSchema, { refund: toRefund(refund), completeTime: timestampFromDate(at) }));

export const clawbackDebtRecorded = (refund: RefundRecord, at: Date) =>
  orderEvent(
    refund.orderId,
    ClawbackDebtRecordedSchema,
    create(ClawbackDebtRecordedSchema, {
      refundId: refund.refundId,
      orderId: refund.orderId,
      accountId: refund.accountId,
      characterId: refund.characterId,
      debt: refund.debtRecorded,
      origin: refundOrigins[refund.origin],
      recordTime: timestampFromDate(at),
    }),
  );

export const chargebackReceived = (order: OrderRecord, providerEventId: string, at: Date) =>
  orderEvent(
    order.orderId,
    ChargebackReceivedSchema,
    create(ChargebackReceivedSchema, {
      orderId: order.orderId,
      accountId: order.accountId,
      characterId: order.characterId,
      amount: create(MoneySchema, { amountMinor: order.amountMinor, currency: order.currency }),
      providerEventId,
      receiveTime: timestampFromDate(at),
    }),
  );
