import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ErrorReason } from "@chaos/gen/chaos/payment/v1/errors_pb.js";
import { RefundState } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { PaymentService } from "@chaos/gen/chaos/payment/v1/payment_service_pb.js";
import { DomainError } from "@chaos/mesh/domain";
import { actsAsAdmin, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { Orders } from "../core/orders.js";
import { refundStates, toOrder, toProduct, toRefund } from "../core/payment-message.js";
import type { RefundStatus } from "../core/payment-records.js";
import { decodeListPageToken, encodeListPageToken } from "./page-token.js";

/** Listings without a page size get this many rows per page. */
const defaultPageSize = 20;

const statusOf = new Map<RefundState, RefundStatus>(Object.entries(refundStates).map(([status, s]) => [s, status as RefundStatus]));

function requireAdmin(context: HandlerContext, what: string): void {
  if (actsAsAdmin(context)) return;
  if (principalOf(context) === undefined) requirePrincipal(context);
  throw new DomainError(ErrorReason.ADMIN_REQUIRED, `${what} is an admin's to do`);
}

/** The public API: a player's purchases and refunds; admins decide refunds. */
export function createPaymentHandlers(orders: Orders): ServiceImpl<typeof PaymentService> {
  return {
    listProducts() {
      return { products: orders.products.map(toProduct) };
    },
    async createOrder(request, context) {
      const { subject } = requirePrincipal(context);
      const order = await orders.createOrder({ accountId: subject, ...request });
      return { order: toOrder(order) };
    },
    async getOrder(request, context) {
      return { order: toOrder(await orders.getOrder(requirePrincipal(context).subject, request.orderId)) };
    },
    async listOrders(request, context) {
      const { subject } = requirePrincipal(context);
      const scope = `orders:${subject}`;
      const limit = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const page = await orders.listOrders(subject, decodeListPageToken(scope, request.pageToken), limit + 1);
      const shown = page.slice(0, limit);
      const last = shown.at(-1);
      return {
        orders: shown.map(toOrder),
        nextPageToken: page.length > limit && last !== undefined ? encodeListPageToken(scope, { createdAt: last.createdAt, id: last.orderId }) : "",
      };
    },
    async requestRefund(request, context) {
      return { refund: toRefund(await orders.requestRefund(requirePrincipal(context).subject, request.orderId, request.reason)) };
    },
    async listRefunds(request, context) {
      if (request.all) requireAdmin(context, "listing every player's refunds");
      const accountId = request.all ? undefined : requirePrincipal(context).subject;
      const scope = `refunds:${accountId ?? "all"}:${request.state}`;
      const limit = request.pageSize === 0 ? defaultPageSize : request.pageSize;
      const status = request.state === RefundState.UNSPECIFIED ? undefined : statusOf.get(request.state);
      const page = await orders.listRefunds(accountId, status, decodeListPageToken(scope, request.pageToken), limit + 1);
      const shown = page.slice(0, limit);
      const last = shown.at(-1);
      return {
        refunds: shown.map(toRefund),
        nextPageToken: page.length > limit && last !== undefined ? encodeListPageToken(scope, { createdAt: last.createdAt, id: last.refundId }) : "",
      };
    },
    async decideRefund(request, context) {
      requireAdmin(context, "deciding a refund");
      return { refund: toRefund(await orders.decideRefund(request.refundId, request.approve, request.note)) };
    },
  };
}
