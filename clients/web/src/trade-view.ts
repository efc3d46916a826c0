import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { TradeState, type Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { TradeRole } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError, showProblem } from "./errors.js";
import { formatGold } from "./gold.js";
import type { Nearby } from "./nearby.js";
import { poll } from "./poll.js";
import type { Purse } from "./purse.js";
import { timeUntil } from "./time.js";
import { finalStates, outcomeText, sideOf, tradeCard } from "./trade-card.js";
import { createTradeForm } from "./trade-form.js";

/** How often the offers are re-read (trading publishes no feed event the gateway forwards). */
const offersIntervalMs = 2_000;
const historySize = 10;
const openStates = [TradeState.PROPOSED, TradeState.ACCEPTED, TradeState.ESCROWED, TradeState.COMPENSATING];

/** The trade window; `onAttention` gets the number of offers waiting for this character's answer. */
export function createTradeView(api: Api, character: Character, purse: Purse, nearby: Nearby, onAttention: (waiting: number) => void): View {
  const characterId = character.characterId;
  const lastStates = new Map<string, TradeState>();
  const busy = new Set<string>();
  let shown = { incoming: [] as Trade[], outgoing: [] as Trade[], history: [] as Trade[] };
  let painted = "";
  let firstRead = true;

  const gold = h("span", { class: "purse-gold", "data-testid": "wallet-balance" }, "…");
  const held = h("span", { class: "purse-held muted", "data-testid": "wallet-held" });
  const result = h("p", { class: "trade-result", role: "status", "aria-live": "polite", "data-testid": "trade-result" }, "Offers you make and receive appear here.");
  const sync = h("p", { class: "sync-warning", role: "status", hidden: true, "data-testid": "trade-sync" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "trade-action-error" });
  const lists = {
    incoming: h("ul", { class: "trade-list", "aria-labelledby": "incoming-title", "data-testid": "incoming-trades" }),
    outgoing: h("ul", { class: "trade-list", "aria-labelledby": "outgoing-title", "data-testid": "outgoing-trades" }),
    history: h("ul", { class: "trade-list", "aria-labelledby": "history-title", "data-testid": "trade-history" }),
  };
  const counts = { incoming: h("span", { class: "count" }), outgoing: h("span", { class: "count" }) };
  const empties = {
    incoming: h("p", { class: "muted small" }, "No offers waiting for you."),
    outgoing: h("p", { class: "muted small" }, "You have no open offers."),
    history: h("p", { class: "muted small" }, "No finished trades yet."),
  };

  // Trading learns of a character from player's events, a moment after it is created.
  const notYetKnown = `The trading post has not heard of ${character.name} yet: that takes a moment after a character is created.`;
  const explain = (target: HTMLElement, error: unknown) => {
    const problem = showProblem(target, error);
    if (problem?.reason === "NOT_CHARACTER_OWNER") target.textContent = `${notYetKnown} Try again in a few seconds.`;
  };

  const form = createTradeForm(api, character, purse, (trade) => {
    lastStates.set(trade.tradeId, trade.state);
    announce(trade);
    void refreshOffers();
  }, explain);

  const element = h(
    "section",
    { class: "panel trade", "aria-labelledby": "trade-title", "data-testid": "trade" },
    h(
      "header",
      { class: "section-header" },
      h("h2", { id: "trade-title" }, "Trade"),
      h("div", { class: "purse", "aria-label": "Your wallet" }, h("span", { class: "coin", "aria-hidden": "true" }), gold, held),
    ),
    sync,
    h(
      "div",
      { class: "trade-layout" },
      h("div", { class: "trade-offers" }, result, alert,
        h("h3", { id: "incoming-title" }, "Offers to you ", counts.incoming), lists.incoming, empties.incoming,
        h("h3", { id: "outgoing-title" }, "Your offers ", counts.outgoing), lists.outgoing, empties.outgoing,
        h("h3", { id: "history-title" }, "Recent trades"), lists.history, empties.history,
      ),
      form.element,
    ),
  );

  function paintPurse() {
    const wallet = purse.wallet;
    gold.textContent = wallet === undefined ? "…" : formatGold(wallet.balance);
    gold.dataset.gold = wallet === undefined ? "" : String(wallet.balance);
    held.textContent = wallet !== undefined && wallet.held > 0n ? `+ ${formatGold(wallet.held)} in escrow` : "";
  }

  function announce(trade: Trade) {
    result.textContent = outcomeText(trade, characterId);
    result.dataset.state = TradeState[trade.state];
    result.dataset.tradeId = trade.tradeId;
  }

  const actions = {
    accept: (trade: Trade) => void act(trade, () => api.trading.acceptTrade({ tradeId: trade.tradeId })),
    decline: (trade: Trade) => void act(trade, () => api.trading.declineTrade({ tradeId: trade.tradeId })),
    cancel: (trade: Trade) => void act(trade, () => api.trading.cancelTrade({ tradeId: trade.tradeId })),
  };

  async function act(trade: Trade, call: () => Promise<{ trade?: Trade }>) {
    if (busy.has(trade.tradeId)) return;
    busy.add(trade.tradeId);
    paint(true);
    try {
      const answered = (await call()).trade;
      showProblem(alert, undefined);
      if (answered !== undefined) {
        lastStates.set(answered.tradeId, answered.state);
        announce(answered);
      }
      if (answered?.state !== TradeState.DECLINED && answered?.state !== TradeState.CANCELLED) void purse.refresh().catch(() => undefined);
    } catch (error) {
      explain(alert, error);
    } finally {
      busy.delete(trade.tradeId);
      await refreshOffers().catch(() => undefined);
      paint(true);
    }
  }

  /** Notes each trade's state; a change seen after the first read is announced, and the purse re-read. */
  function observe(trades: readonly Trade[]) {
    let moved = false;
    for (const trade of trades) {
      const before = lastStates.get(trade.tradeId);
      if (before === trade.state) continue;
      lastStates.set(trade.tradeId, trade.state);
      if (firstRead) continue;
      const newOffer = before === undefined && trade.state === TradeState.PROPOSED && !sideOf(trade, characterId).proposing;
      if (before !== undefined || newOffer) announce(trade);
      if (before !== undefined) moved = true;
    }
    firstRead = false;
    if (moved) void purse.refresh().catch(() => undefined);
  }

  function paint(force = false) {
    const fingerprint = JSON.stringify(
      Object.values(shown).map((trades) => trades.map((t) => `${t.tradeId}:${t.state}:${busy.has(t.tradeId)}`)),
    );
    if (!force && fingerprint === painted) {
      // Only the countdowns move.
      for (const when of element.querySelectorAll<HTMLElement>("[data-expire]")) when.textContent = `expires ${timeUntil(Number(when.dataset.expire))}`;
      return;
    }
    painted = fingerprint;
    for (const key of ["incoming", "outgoing", "history"] as const) {
      const cards = shown[key].map((trade) => {
        const card = tradeCard(trade, characterId, key === "history" ? {} : actions);
        if (busy.has(trade.tradeId)) for (const button of card.querySelectorAll("button")) button.disabled = true;
        return card;
      });
      lists[key].replaceChildren(...cards);
      empties[key].hidden = cards.length > 0;
    }
    const waiting = shown.incoming.filter((t) => t.state === TradeState.PROPOSED).length;
    counts.incoming.textContent = waiting > 0 ? String(waiting) : "";
    counts.outgoing.textContent = shown.outgoing.length > 0 ? String(shown.outgoing.length) : "";
    onAttention(waiting);
  }

  async function refreshOffers() {
    const list = (role: TradeRole, states: readonly TradeState[], pageSize: number) =>
      api.trading.listTrades({ characterId, role, states: [...states], pageSize }).then((r) => r.trades);
    const [incoming, outgoing, history] = await Promise.all([
      list(TradeRole.COUNTERPARTY, openStates, 50),
      list(TradeRole.PROPOSER, openStates, 50),
      list(TradeRole.UNSPECIFIED, finalStates, historySize),
    ]);
    observe([...incoming, ...outgoing, ...history]);
    shown = { incoming, outgoing, history };
    paint();
  }

  let offersFailure: unknown;
  /** Shown while the periodic reads fail, so stale offers or gold are not mistaken for live ones. */
  function paintSync() {
    const failure = offersFailure ?? purse.failure;
    sync.hidden = failure === undefined;
    if (failure === undefined) return;
    const problem = describeError(failure);
    // Trading and inventory both refuse a character they have not heard of yet this way.
    sync.textContent = problem.reason === "NOT_CHARACTER_OWNER" ? `${notYetKnown} Retrying…` : `Lost contact: ${problem.message} Retrying…`;
  }

  const stopPurseView = purse.subscribe(() => {
    paintPurse();
    paintSync();
  });
  paintPurse();
  const stopOffers = poll(async () => {
    try {
      await refreshOffers();
      offersFailure = undefined;
    } catch (error) {
      offersFailure = error;
    }
    paintSync();
  }, offersIntervalMs);
  form.setNearby(nearby.characters);
  const stopNearby = nearby.subscribe((characters) => form.setNearby(characters));
  return {
    element,
    dispose() {
      stopOffers();
      stopNearby();
      stopPurseView();
      form.dispose();
    },
  };
}
