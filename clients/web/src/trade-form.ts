import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Trade } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import type { Api } from "./api.js";
import { className } from "./character-class.js";
import { field, h, type View } from "./dom.js";
import { describeError, showProblem } from "./errors.js";
import { formatGold, parseAmount } from "./gold.js";
import type { Purse } from "./purse.js";
import { createSubmitKeys } from "./submit-keys.js";

/** The "new offer" form: a counterparty, what to give, what to ask for, how long it stands. */
export interface TradeForm extends View {
  /** Shows the characters one may trade with (the zone's players but one's own). */
  setNearby(characters: readonly Character[]): void;
}

const uuidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const ttlChoices: ReadonlyArray<readonly [seconds: number, label: string]> = [
  [600, "10 minutes"],
  [3_600, "1 hour"],
  [86_400, "24 hours"],
];

/** An offer as the form holds it. */
interface Draft {
  readonly counterpartyCharacterId: string;
  readonly giveGold: bigint;
  readonly giveItems: readonly { readonly itemId: string; readonly quantity: bigint }[];
  readonly askGold: bigint;
  readonly ttlSeconds: bigint;
}

/**
 * Creates the form of `character`. A submit sends ProposeTrade with an
 * idempotency key made for it; sending the same offer again after a failure
 * (a lost answer, a timeout) reuses that key, so the offer is made once.
 */
export function createTradeForm(api: Api, character: Character, purse: Purse, onProposed: (trade: Trade) => void, describeRefusal: (alert: HTMLElement, error: unknown) => void): TradeForm {
  let nearby: readonly Character[] = [];
  const keys = createSubmitKeys();
  const quantities = new Map<string, HTMLInputElement>();

  const counterparty = h("input", {
    type: "text",
    name: "counterparty",
    required: true,
    pattern: uuidPattern,
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "pick a player above, or paste a character id",
    "data-testid": "trade-counterparty",
  });
  const nearbyList = h("ul", { class: "chip-list", "aria-label": "Players nearby", "data-testid": "trade-nearby" });
  const nearbyEmpty = h("p", { class: "muted small" }, "No other players in this zone right now. Paste a character id instead.");
  const partnerNote = h("p", { class: "partner-note small", "aria-live": "polite" });

  const items = h("ul", { class: "offer-items", "aria-label": "Items to give", "data-testid": "offer-items" });
  const itemsEmpty = h("p", { class: "muted small" }, "Your bags are empty.");
  const giveGold = h("input", { type: "number", name: "give-gold", min: 0, step: 1, inputmode: "numeric", value: "0", "data-testid": "offer-gold" });
  const askGold = h("input", { type: "number", name: "ask-gold", min: 0, max: 1_000_000_000, step: 1, inputmode: "numeric", value: "0", "data-testid": "ask-gold" });
  const ttl = h("select", { name: "ttl" }, ...ttlChoices.map(([seconds, label]) => h("option", { value: seconds }, label)));
  const summary = h("p", { class: "offer-summary", "data-testid": "offer-summary" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "trade-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Propose trade");

  const element = h(
    "form",
    { class: "trade-form stack", "aria-labelledby": "trade-form-title", "data-testid": "trade-form" },
    h("h3", { id: "trade-form-title" }, "New offer"),
    h("fieldset", { class: "trade-step" }, h("legend", {}, "Trade with"), nearbyList, nearbyEmpty, field("Character id", counterparty), partnerNote),
    h(
      "fieldset",
      { class: "trade-step" },
      h("legend", {}, "You give"),
      items,
      itemsEmpty,
      field("Gold you give", giveGold, "From your wallet; held in escrow only once the offer is accepted."),
    ),
    h("fieldset", { class: "trade-step" }, h("legend", {}, "You ask for"), field("Gold you ask for", askGold)),
    field("Offer stands for", ttl),
    summary,
    alert,
    submit,
  );

  function partner(): Character | undefined {
    const id = counterparty.value.trim().toLowerCase();
    return nearby.find((c) => c.characterId === id);
  }

  function paintNearby() {
    const chosen = counterparty.value.trim().toLowerCase();
    nearbyList.replaceChildren(
      ...nearby.map((c) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "chip",
              "aria-pressed": String(c.characterId === chosen),
              "data-testid": "trade-partner",
              onclick: () => {
                counterparty.value = c.characterId;
                onChange();
              },
            },
            h("span", { class: "chip-name" }, c.name),
            h("span", { class: "chip-meta" }, `Lv ${c.stats?.level ?? 1} ${className(c.characterClass)}`),
          ),
        ),
      ),
    );
    nearbyEmpty.hidden = nearby.length > 0;
  }

  function paintItems() {
    const stacks = purse.items;
    const ids = new Set(stacks.map((s) => s.itemId));
    for (const id of [...quantities.keys()]) if (!ids.has(id)) quantities.delete(id);
    items.replaceChildren(
      ...stacks.map((stack) => {
        const usable = stack.quantity - stack.heldQuantity;
        let input = quantities.get(stack.itemId);
        if (input === undefined) {
          input = h("input", { type: "number", min: 0, step: 1, inputmode: "numeric", value: "0", "data-item-id": stack.itemId, oninput: () => onChange() });
          quantities.set(stack.itemId, input);
        }
        input.max = String(usable);
        const held = stack.heldQuantity > 0n ? ` · ${stack.heldQuantity} held in escrow` : "";
        return h(
          "li",
          { class: "offer-item", "data-testid": "offer-item" },
          field(stack.displayName || stack.definitionId, input, `${usable} in your bags${held}`),
        );
      }),
    );
    itemsEmpty.textContent = purse.wallet === undefined ? "Looking in your bags…" : "Your bags are empty.";
    itemsEmpty.hidden = stacks.length > 0;
    giveGold.max = String(purse.wallet?.balance ?? 1_000_000_000n);
    paintSummary();
  }

  /** The request as it would be sent now, or a reason it cannot be. */
  function draft(): Draft | string {
    const give = parseAmount(giveGold.value);
    const ask = parseAmount(askGold.value);
    if (give === undefined) return "Gold you give must be a whole number.";
    if (ask === undefined) return "Gold you ask for must be a whole number.";
    const offered = [];
    for (const [itemId, input] of quantities) {
      const quantity = parseAmount(input.value);
      if (quantity === undefined) return "Item quantities must be whole numbers.";
      if (quantity > 0n) offered.push({ itemId, quantity });
    }
    return { counterpartyCharacterId: counterparty.value.trim().toLowerCase(), giveGold: give, giveItems: offered, askGold: ask, ttlSeconds: BigInt(ttl.value) };
  }

  function paintSummary() {
    const request = draft();
    if (typeof request === "string") {
      summary.textContent = request;
      return;
    }
    const names = new Map(purse.items.map((s) => [s.itemId, s.displayName || s.definitionId]));
    const gives = request.giveItems.map((i) => `${i.quantity} × ${names.get(i.itemId) ?? "item"}`);
    if (request.giveGold > 0n) gives.push(formatGold(request.giveGold));
    const asks = request.askGold > 0n ? formatGold(request.askGold) : "nothing";
    const who = partner()?.name ?? "them";
    summary.textContent = `You give ${who} ${gives.length > 0 ? gives.join(", ") : "nothing"}; you ask for ${asks}.`;
  }

  function paintPartner() {
    const id = counterparty.value.trim();
    const known = partner();
    partnerNote.textContent =
      id === "" ? "" : known !== undefined ? `Trading with ${known.name}.` : counterparty.validity.valid ? "Not in your zone: the offer goes to this id." : "";
  }

  function onChange() {
    paintNearby();
    paintPartner();
    paintSummary();
  }

  for (const input of [counterparty, giveGold, askGold]) input.addEventListener("input", onChange);
  ttl.addEventListener("change", onChange);

  element.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = draft();
    if (typeof request === "string") {
      alert.textContent = request;
      alert.hidden = false;
      return;
    }
    const key = keys.keyFor(request);
    submit.disabled = true;
    api.trading
      .proposeTrade({
        proposerCharacterId: character.characterId,
        counterpartyCharacterId: request.counterpartyCharacterId,
        offer: { gold: request.giveGold, items: [...request.giveItems] },
        request: { gold: request.askGold, items: [] },
        ttl: { seconds: request.ttlSeconds },
        idempotencyKey: key,
      })
      .then(({ trade }) => {
        keys.answered();
        showProblem(alert, undefined);
        giveGold.value = "0";
        askGold.value = "0";
        for (const input of quantities.values()) input.value = "0";
        paintSummary();
        if (trade !== undefined) onProposed(trade);
      })
      .catch((error: unknown) => {
        describeRefusal(alert, error);
        // Without a reason nobody knows whether the offer was made: sending it again (with the same key) finds out.
        if (describeError(error).reason === undefined) submit.textContent = "Send again";
      })
      .finally(() => {
        submit.disabled = false;
        if (!keys.pending) submit.textContent = "Propose trade";
      });
  });
  // A changed offer is a new offer: it gets a new key, and the button says so.
  element.addEventListener("input", () => {
    submit.textContent = "Propose trade";
  });

  const stopPurseView = purse.subscribe(paintItems);
  paintItems();
  onChange();
  return {
    element,
    dispose: stopPurseView,
    setNearby(characters) {
      nearby = characters.filter(
        (c) => c.kind === CharacterKind.PLAYER && c.characterId !== character.characterId && (c.playerId === "" || c.playerId !== character.playerId),
      );
      paintNearby();
      paintPartner();
    },
  };
}
