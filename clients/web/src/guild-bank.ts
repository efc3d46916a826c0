import { BankEntryDirection, GuildPermission, type BankEntry } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { GetMyGuildResponse } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { formatGold, parseAmount } from "./gold.js";
import { allows } from "./guild-permissions.js";
import type { CharacterNames } from "./names.js";
import type { Purse } from "./purse.js";
import { createSubmitKeys } from "./submit-keys.js";
import { timestampMs } from "./time.js";

const historyPageSize = 10;

/** The guild bank part of the guild page. */
export interface GuildBank extends View {
  setGuild(mine: GetMyGuildResponse): void;
  /** Re-reads the history's first page (and keeps later pages shown). */
  refresh(): Promise<void>;
}

/**
 * The bank: its balance and what the actor may still withdraw today, deposit
 * and withdraw forms (each submit with its own idempotency key, kept for a
 * resend after a failure), and the history, newest first, paged.
 */
export function createGuildBank(api: Api, names: CharacterNames, purse: Purse, initial: GetMyGuildResponse, onMoved: () => void): GuildBank {
  const actorCharacterId = initial.member?.characterId ?? "";
  let mine = initial;
  let entries: BankEntry[] = [];
  let nextPageToken = "";

  const balance = h("strong", { class: "bank-balance", "data-testid": "bank-balance" });
  const remaining = h("span", { class: "muted small", "data-testid": "withdrawal-remaining" });
  const wallet = h("span", { class: "muted small", "data-testid": "bank-wallet" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "bank-error" });
  const status = h("p", { class: "small ok", role: "status", "aria-live": "polite", "data-testid": "bank-status" });
  const history = h("ol", { class: "bank-history", "aria-labelledby": "bank-history-title", "data-testid": "bank-history" });
  const historyEmpty = h("p", { class: "muted small" }, "No deposits or withdrawals yet.");
  const more = h("button", { type: "button", class: "ghost more", hidden: true, onclick: () => void readMore() }, "Older entries");

  function moveForm(kind: "deposit" | "withdraw") {
    const amount = h("input", { type: "number", name: `${kind}-amount`, required: true, min: 1, max: 1_000_000_000, step: 1, inputmode: "numeric" });
    const label = kind === "deposit" ? "Deposit" : "Withdraw";
    const submit = h("button", { type: "submit", class: kind === "deposit" ? "primary" : "" }, label);
    const keys = createSubmitKeys();
    const form = h("form", { class: "bank-move", "data-testid": `bank-${kind}` }, field(kind === "deposit" ? "Gold to deposit" : "Gold to withdraw", amount), submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const gold = parseAmount(amount.value);
      if (gold === undefined || gold === 0n) return void showProblem(alert, new Error("Enter a whole amount of gold, at least 1."));
      const request = { actorCharacterId, amount: gold };
      const idempotencyKey = keys.keyFor(request);
      submit.disabled = true;
      const call =
        kind === "deposit"
          ? api.guild.depositToGuildBank({ ...request, idempotencyKey })
          : api.guild.withdrawFromGuildBank({ ...request, idempotencyKey }).then((r) => {
              mine = { ...mine, withdrawalRemainingToday: r.withdrawalRemainingToday };
              return r;
            });
      call
        .then((moved) => {
          keys.answered();
          showProblem(alert, undefined);
          amount.value = "";
          mine = { ...mine, bankBalance: moved.bankBalance };
          purse.setBalance(moved.walletBalance);
          status.textContent = kind === "deposit" ? `Deposited ${formatGold(gold)}.` : `Withdrew ${formatGold(gold)}.`;
          paint();
          onMoved();
          return refresh();
        })
        .catch((error: unknown) => {
          status.textContent = "";
          showProblem(alert, error);
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  const deposit = moveForm("deposit");
  const withdraw = moveForm("withdraw");
  const element = h(
    "section",
    { class: "guild-card guild-bank", "aria-labelledby": "bank-title", "data-testid": "guild-bank" },
    h("h3", { id: "bank-title" }, "Bank"),
    h("div", { class: "bank-summary" }, h("span", { class: "coin", "aria-hidden": "true" }), balance, h("span", { class: "bank-notes" }, remaining, wallet)),
    h("div", { class: "bank-moves" }, deposit, withdraw),
    alert,
    status,
    h("h3", { id: "bank-history-title" }, "History"),
    history,
    historyEmpty,
    more,
  );

  function entryRow(entry: BankEntry): HTMLLIElement {
    const incoming = entry.direction === BankEntryDirection.DEPOSIT;
    const when = new Date(timestampMs(entry.createTime));
    return h(
      "li",
      { class: `bank-entry ${incoming ? "in" : "out"}`, "data-testid": "bank-entry", "data-direction": BankEntryDirection[entry.direction] },
      h("span", { class: "bank-amount" }, `${incoming ? "+" : "−"}${formatGold(entry.amount)}`),
      h("span", { class: "bank-who" }, `${incoming ? "deposited by" : "withdrawn by"} ${names.nameOf(entry.characterId)}`),
      h("span", { class: "bank-after muted" }, `balance ${formatGold(entry.balanceAfter)}`),
      h("time", { class: "muted", datetime: when.toISOString() }, when.toLocaleString()),
    );
  }

  function paint() {
    balance.textContent = formatGold(mine.bankBalance);
    balance.dataset.gold = String(mine.bankBalance);
    const canWithdraw = allows(mine.role, GuildPermission.WITHDRAW);
    remaining.textContent = canWithdraw ? `You may withdraw ${formatGold(mine.withdrawalRemainingToday)} more today.` : "Your role may not withdraw.";
    withdraw.hidden = !canWithdraw;
    wallet.textContent = purse.wallet === undefined ? "" : `Your wallet: ${formatGold(purse.wallet.balance)}.`;
    history.replaceChildren(...entries.map(entryRow));
    historyEmpty.hidden = entries.length > 0;
    more.hidden = nextPageToken === "";
  }

  async function readMore() {
    more.disabled = true;
    try {
      const page = await api.guild.listBankEntries({ actorCharacterId, pageSize: historyPageSize, pageToken: nextPageToken });
      entries = [...entries, ...page.entries.filter((e) => !entries.some((known) => known.entryId === e.entryId))];
      nextPageToken = page.nextPageToken;
      paint();
    } catch (error) {
      showProblem(alert, error);
    } finally {
      more.disabled = false;
    }
  }

  async function refresh() {
    const page = await api.guild.listBankEntries({ actorCharacterId, pageSize: historyPageSize });
    const fresh = page.entries.filter((e) => !entries.some((known) => known.entryId === e.entryId));
    // Later pages already shown stay; the first page's token is right only while nothing older was read.
    if (entries.length <= historyPageSize) {
      entries = page.entries;
      nextPageToken = page.nextPageToken;
    } else {
      entries = [...fresh, ...entries];
    }
    mine = { ...mine, bankBalance: page.bankBalance };
    paint();
  }

  const stopPurseView = purse.subscribe(paint);
  paint();
  return {
    element,
    dispose: stopPurseView,
    setGuild(next) {
      const moved = next.bankBalance !== mine.bankBalance;
      mine = next;
      paint();
      if (moved) void refresh().catch(() => undefined);
    },
    refresh,
  };
}
