import { TradeState, type Trade, type TradeAssets } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { h } from "./dom.js";
import { formatGold } from "./gold.js";
import { timestampMs, timeUntil } from "./time.js";

/** One trade seen from one of its sides. */
export interface TradeSideView {
  /** True when the character looking made the offer. */
  readonly proposing: boolean;
  /** The other side's name. */
  readonly other: string;
  /** What the character looking gets, and what it gives. */
  readonly gets: TradeAssets | undefined;
  readonly gives: TradeAssets | undefined;
}

/** The trade as `characterId` sees it. */
export function sideOf(trade: Trade, characterId: string): TradeSideView {
  const proposing = trade.proposer?.characterId === characterId;
  const other = (proposing ? trade.counterparty : trade.proposer)?.name || "someone";
  return proposing ? { proposing, other, gets: trade.request, gives: trade.offer } : { proposing, other, gets: trade.offer, gives: trade.request };
}

/** The states a trade ends in; the others still change on their own or by an answer. */
export const finalStates: readonly TradeState[] = [TradeState.SETTLED, TradeState.DECLINED, TradeState.CANCELLED, TradeState.EXPIRED, TradeState.COMPENSATED];

interface StateLook {
  readonly label: string;
  /** Picks the badge colour: waiting, moving, done, closed, failed. */
  readonly tone: "waiting" | "moving" | "done" | "closed" | "failed";
}

const stateLooks: Readonly<Record<TradeState, StateLook>> = {
  [TradeState.UNSPECIFIED]: { label: "Unknown", tone: "closed" },
  [TradeState.PROPOSED]: { label: "Awaiting answer", tone: "waiting" },
  [TradeState.ACCEPTED]: { label: "Accepted · holding", tone: "moving" },
  [TradeState.ESCROWED]: { label: "In escrow · exchanging", tone: "moving" },
  [TradeState.SETTLED]: { label: "Settled", tone: "done" },
  [TradeState.DECLINED]: { label: "Declined", tone: "closed" },
  [TradeState.CANCELLED]: { label: "Cancelled", tone: "closed" },
  [TradeState.EXPIRED]: { label: "Expired", tone: "closed" },
  [TradeState.COMPENSATING]: { label: "Failed · releasing", tone: "failed" },
  [TradeState.COMPENSATED]: { label: "Failed · undone", tone: "failed" },
};

/** The state's badge: its label, with the enum name as data-state for scripts and tests. */
export function stateBadge(state: TradeState): HTMLElement {
  const look = stateLooks[state];
  return h("span", { class: `trade-state tone-${look.tone}`, "data-testid": "trade-state", "data-state": TradeState[state] }, look.label);
}

/** "2 × Potion of Mana, 30 gold", or "nothing". */
export function describeAssets(assets: TradeAssets | undefined): string {
  const parts = (assets?.items ?? []).map((item) => `${item.quantity} × ${item.displayName || item.definitionId || `item ${item.itemId.slice(0, 8)}`}`);
  if ((assets?.gold ?? 0n) > 0n) parts.push(formatGold(assets?.gold ?? 0n));
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

/** A sentence about where the trade is now, for the result line and the live region. */
export function outcomeText(trade: Trade, characterId: string): string {
  const side = sideOf(trade, characterId);
  const exchange = `you got ${describeAssets(side.gets)} and gave ${describeAssets(side.gives)}`;
  switch (trade.state) {
    case TradeState.PROPOSED:
      return side.proposing ? `Offer sent to ${side.other}. It stands ${timeUntil(timestampMs(trade.expireTime))}.` : `${side.other} offers you a trade.`;
    case TradeState.ACCEPTED:
    case TradeState.ESCROWED:
      return `Trade with ${side.other} accepted: the escrow is exchanging the goods…`;
    case TradeState.SETTLED:
      return `Trade with ${side.other} settled: ${exchange}.`;
    case TradeState.DECLINED:
      return side.proposing ? `${side.other} declined your offer.` : `You declined ${side.other}'s offer.`;
    case TradeState.CANCELLED:
      return `The trade with ${side.other} was cancelled.`;
    case TradeState.EXPIRED:
      return `The offer ${side.proposing ? "to" : "from"} ${side.other} expired unanswered.`;
    case TradeState.COMPENSATING:
      return `Trade with ${side.other} failed${trade.failureMessage ? ` (${trade.failureMessage})` : ""}: releasing what was held…`;
    case TradeState.COMPENSATED:
      return `Trade with ${side.other} failed and was undone${trade.failureMessage ? ` (${trade.failureMessage})` : ""}. Nothing moved.`;
    default:
      return `Trade with ${side.other}.`;
  }
}

/** What the card's buttons do; a button is shown only where the trade allows it. */
export interface TradeActions {
  accept?(trade: Trade): void;
  decline?(trade: Trade): void;
  cancel?(trade: Trade): void;
}

/** A trade as a card: who, what each side gives, its state, and the answers possible now. */
export function tradeCard(trade: Trade, characterId: string, actions: TradeActions): HTMLLIElement {
  const side = sideOf(trade, characterId);
  const open = trade.state === TradeState.PROPOSED;
  const title = side.proposing ? h("span", {}, "You → ", h("strong", {}, side.other)) : h("span", {}, h("strong", {}, side.other), " → you");
  const closedAt = timestampMs(trade.closeTime);
  const when = open
    ? h("span", { class: "trade-when", "data-expire": String(timestampMs(trade.expireTime)) }, `expires ${timeUntil(timestampMs(trade.expireTime))}`)
    : closedAt > 0
      ? h("time", { class: "trade-when", datetime: new Date(closedAt).toISOString() }, new Date(closedAt).toLocaleTimeString())
      : h("span", { class: "trade-when" }, "in progress");
  const button = (label: string, kind: string, run: ((trade: Trade) => void) | undefined) =>
    run === undefined ? undefined : h("button", { type: "button", class: kind, onclick: () => run(trade) }, label);
  const buttons = open
    ? side.proposing
      ? [button("Cancel offer", "ghost", actions.cancel)]
      : [button("Accept", "primary", actions.accept), button("Decline", "ghost", actions.decline)]
    : [];
  return h(
    "li",
    { class: `trade-card tone-${stateLooks[trade.state].tone}`, "data-testid": "trade-card", "data-trade-id": trade.tradeId, "data-state": TradeState[trade.state] },
    h("div", { class: "trade-card-head" }, h("span", { class: "trade-who" }, title), stateBadge(trade.state)),
    h(
      "dl",
      { class: "trade-sides" },
      h("dt", {}, "You get"),
      h("dd", { "data-testid": "trade-gets" }, describeAssets(side.gets)),
      h("dt", {}, "You give"),
      h("dd", { "data-testid": "trade-gives" }, describeAssets(side.gives)),
    ),
    trade.failureMessage ? h("p", { class: "trade-failure", "data-testid": "trade-failure" }, trade.failureMessage) : undefined,
    h("div", { class: "trade-card-foot" }, when, buttons.length > 0 ? h("div", { class: "trade-actions" }, ...buttons) : undefined),
  );
}
