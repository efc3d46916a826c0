import { OrderState, RefundState, type Money, type Order, type Product, type Refund } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { poll } from "./poll.js";
import { timestampMs } from "./time.js";

const ordersIntervalMs = 2_000;

const orderStates: Readonly<Partial<Record<OrderState, string>>> = {
  [OrderState.PENDING]: "Waiting for payment",
  [OrderState.PAID]: "Paid, gold on its way",
  [OrderState.FULFILLED]: "Delivered",
  [OrderState.FAILED]: "Payment failed",
  [OrderState.EXPIRED]: "Expired",
  [OrderState.REFUND_PENDING]: "Refund in progress",
  [OrderState.REFUNDED]: "Refunded",
  [OrderState.CHARGED_BACK]: "Charged back",
};
/** Order states reached once inventory's ledger moved the order's gold: granted, or taken back. */
const goldMovingStates: ReadonlySet<OrderState> = new Set([OrderState.FULFILLED, OrderState.REFUNDED, OrderState.CHARGED_BACK]);

const refundStates: Readonly<Partial<Record<RefundState, string>>> = {
  [RefundState.REQUESTED]: "Awaiting a decision",
  [RefundState.CLAWING_BACK]: "Taking the gold back",
  [RefundState.COMPLETED]: "Refunded",
  [RefundState.REJECTED]: "Rejected",
};

/** A price for people: 499 EUR minor units → "€4.99". */
export function priceText(money: Money | undefined): string {
  if (money === undefined) return "";
  return new Intl.NumberFormat("en", { style: "currency", currency: money.currency }).format(Number(money.amountMinor) / 100);
}

/**
 * The store for the picked character: gold packs with their prices in the
 * chosen currency, Buy (an order with a fresh idempotency key, then the
 * provider's checkout in a window of its own), the order history with each
 * order's state as the provider's webhooks move it, and a refund request for
 * a delivered order. The gold arrives in the wallet when the payment service
 * has the provider's signed word; the view only follows the order.
 */
export function createStoreView(api: Api, character: Character, onGoldMoved: () => void): View {
  const currency = h("select", { name: "currency", "aria-label": "Currency", "data-testid": "store-currency" });
  const products = h("ul", { class: "store-products", "data-testid": "store-products" });
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const orders = h("tbody", {});
  // Outside the table, which is redrawn every poll: a choice made here survives the redraws.
  const refundReason = h(
    "select",
    { name: "refund-reason", "aria-label": "Refund reason", "data-testid": "store-refund-reason" },
    ...["Bought by mistake", "The gold did not arrive", "Bought without permission"].map((r) => h("option", { value: r }, r)),
  );
  const element = h(
    "section",
    { class: "panel store", "aria-labelledby": "store-title", "data-testid": "store" },
    h("h2", { id: "store-title" }, "Store ", currency),
    notice,
    products,
    h("h3", {}, "Your orders ", refundReason),
    h(
      "table",
      { class: "board store-orders", "data-testid": "store-orders" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Pack"), h("th", { scope: "col" }, "Price"), h("th", { scope: "col" }, "State"), h("th", { scope: "col" }, ""))),
      orders,
    ),
  );
  let catalogue: Product[] = [];
  let refunds = new Map<string, Refund>();
  const lastState = new Map<string, OrderState>();
  let first = true;

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };

  function paintProducts() {
    products.replaceChildren(
      ...catalogue.map((product) => {
        const price = product.prices.find((p) => p.currency === currency.value);
        const buy = h("button", { type: "button", "data-testid": "store-buy", disabled: price === undefined }, price === undefined ? "Not sold in this currency" : `Buy for ${priceText(price)}`);
        buy.addEventListener("click", () => void purchase(product, buy));
        return h(
          "li",
          { class: "store-product", "data-testid": "store-product", "data-product-id": product.productId },
          h("strong", {}, product.displayName),
          h("span", { class: "store-gold" }, `${product.gold.toLocaleString("en")} gold`),
          buy,
        );
      }),
    );
  }

  async function purchase(product: Product, button: HTMLButtonElement) {
    say(undefined);
    button.disabled = true;
    // One key per click: a retried request (a lost answer) gets the same order, never a second charge.
    const idempotencyKey = crypto.randomUUID();
    try {
      const { order } = await api.payment.createOrder({ productId: product.productId, characterId: character.characterId, currency: currency.value, idempotencyKey });
      if (order !== undefined && order.checkoutUrl !== "") window.open(order.checkoutUrl, "chaos-checkout", "popup,width=480,height=640");
      await refresh();
    } catch (error) {
      say(describeError(error).message);
    } finally {
      button.disabled = false;
    }
  }

  function orderRow(order: Order) {
    const product = catalogue.find((p) => p.productId === order.productId);
    const refund = refunds.get(order.orderId);
    const ask = h("button", { type: "button", class: "small ghost", "data-testid": "store-refund" }, "Request refund");
    ask.addEventListener("click", () => {
      say(undefined);
      ask.disabled = true;
      void api.payment.requestRefund({ orderId: order.orderId, reason: refundReason.value }).then(
        () => refresh(),
        (error: unknown) => say(describeError(error).message),
      );
    });
    const after =
      refund !== undefined
        ? h("span", { class: "muted", "data-testid": "store-refund-state" }, `Refund: ${refundStates[refund.state] ?? ""}${refund.debtRecorded > 0n ? ` (debt ${refund.debtRecorded} gold)` : ""}`)
        : order.state === OrderState.FULFILLED
          ? ask
          : null;
    return h(
      "tr",
      { "data-testid": "store-order", "data-order-id": order.orderId, "data-state": OrderState[order.state] },
      h("td", {}, product?.displayName ?? `${order.gold} gold`),
      h("td", {}, priceText(order.price)),
      h("td", { "data-testid": "store-order-state" }, orderStates[order.state] ?? ""),
      h("td", {}, after),
    );
  }

  async function refresh(): Promise<void> {
    try {
      if (catalogue.length === 0) {
        catalogue = (await api.payment.listProducts({})).products;
        const currencies = [...new Set(catalogue.flatMap((p) => p.prices.map((price) => price.currency)))].sort();
        currency.replaceChildren(...currencies.map((c) => h("option", { value: c }, c)));
        paintProducts();
      }
      const [{ orders: mine }, { refunds: asked }] = await Promise.all([api.payment.listOrders({ pageSize: 20 }), api.payment.listRefunds({ pageSize: 50 })]);
      refunds = new Map(asked.map((r) => [r.orderId, r]));
      const forCharacter = mine.filter((o) => o.characterId === character.characterId).sort((a, b) => timestampMs(b.createTime) - timestampMs(a.createTime));
      // Gold that arrived, or a refund or chargeback took back, since the last look: the wallet shows it without
      // waiting for its own refresh (every 10 s), since the order's state moves only once the ledger has.
      const moved = forCharacter.filter((o) => goldMovingStates.has(o.state) && lastState.get(o.orderId) !== o.state);
      for (const o of forCharacter) lastState.set(o.orderId, o.state);
      if (moved.length > 0 && !first) onGoldMoved();
      first = false;
      orders.replaceChildren(...forCharacter.map(orderRow));
    } catch (error) {
      say(describeError(error).message);
    }
  }

  currency.addEventListener("change", paintProducts);
  const stop = poll(refresh, ordersIntervalMs);
  return { element, dispose: stop };
}
