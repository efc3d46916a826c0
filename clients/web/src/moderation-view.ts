import { AppealState, CaseState, SignalKind, Verdict, type Appeal, type Case } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { RefundOrigin, RefundState, type Refund } from "@chaos/gen/chaos/payment/v1/order_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { poll } from "./poll.js";
import { timestampMs } from "./time.js";

const queueIntervalMs = 4_000;

const signalLabels: Readonly<Partial<Record<SignalKind, string>>> = {
  [SignalKind.SPEED]: "moved faster than possible",
  [SignalKind.CAST_RATE]: "cast faster than cooldowns allow",
  [SignalKind.CAST_WHILE_DEFEATED]: "cast while defeated",
  [SignalKind.IMPOSSIBLE_DAMAGE]: "dealt impossible damage",
  [SignalKind.GOLD_FUNNEL]: "received funnelled gold",
  [SignalKind.SHARED_ADDRESS]: "shares an address with many accounts",
  [SignalKind.CHAT_REPORT]: "reported in chat",
};
const when = (ms: number) => (ms === 0 ? "" : new Date(ms).toLocaleString());

/**
 * The staff's desk (moderators and admins; the server refuses anyone else):
 * the anti-cheat review queue with each case's evidence (the signals and the
 * score's changes) and a verdict, the players' appeals to uphold or
 * overturn, and the refund requests to approve or reject. Everything decided
 * here is on the audit trail.
 */
export function createModerationView(api: Api, options: { readonly refunds: boolean }): View {
  const cases = h("ul", { class: "mod-list", "data-testid": "mod-cases" });
  const appeals = h("ul", { class: "mod-list", "data-testid": "mod-appeals" });
  const refunds = h("ul", { class: "mod-list", "data-testid": "mod-refunds" });
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "panel moderation", "aria-labelledby": "moderation-title", "data-testid": "moderation" },
    h("h2", { id: "moderation-title" }, "Moderation"),
    notice,
    h("div", { class: "mod-columns" }, h("div", {}, h("h3", {}, "Review queue"), cases), h("div", {}, h("h3", {}, "Appeals"), appeals), options.refunds ? h("div", {}, h("h3", {}, "Refund requests"), refunds) : null),
  );
  const opened = new Map<string, HTMLElement>();
  let shown = "";

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };
  const act = (work: () => Promise<unknown>) => {
    say(undefined);
    void work().then(
      () => refresh(true),
      (error: unknown) => say(describeError(error).message),
    );
  };

  async function evidence(c: Case): Promise<HTMLElement> {
    const { signals, standing, actions } = await api.anticheat.getCase({ caseId: c.caseId });
    return h(
      "div",
      { class: "mod-evidence", "data-testid": "mod-evidence" },
      h("p", {}, `Risk score ${standing?.riskScore.toFixed(1) ?? "?"}; ${actions.length} action(s) so far.`),
      h("ul", {}, ...signals.map((s) => h("li", { "data-testid": "mod-signal" }, `${when(timestampMs(s.observeTime))}: ${signalLabels[s.kind] ?? "signal"} (weight ${s.weight}) — ${s.evidence}`))),
    );
  }

  function caseItem(c: Case): HTMLElement {
    const item = h("li", { class: "mod-item", "data-testid": "mod-case", "data-player-id": c.playerId });
    const open = h("button", { type: "button", class: "small ghost", "data-testid": "mod-case-open" }, "Evidence");
    open.addEventListener("click", () => {
      void evidence(c).then(
        (shownEvidence) => {
          opened.set(c.caseId, shownEvidence);
          item.append(shownEvidence);
          open.remove();
        },
        (error: unknown) => say(describeError(error).message),
      );
    });
    const clear = h("button", { type: "button", class: "small ghost", "data-testid": "mod-case-clear" }, "Clear");
    clear.addEventListener("click", () => act(() => api.anticheat.resolveCase({ caseId: c.caseId, verdict: Verdict.CLEARED, note: "Reviewed: no cheating found." })));
    const confirm = h("button", { type: "button", class: "small", "data-testid": "mod-case-confirm" }, "Confirm");
    confirm.addEventListener("click", () => act(() => api.anticheat.resolveCase({ caseId: c.caseId, verdict: Verdict.CONFIRMED, note: "Reviewed: the evidence holds." })));
    item.append(
      h("strong", {}, `Player ${c.playerId.slice(0, 8)}`),
      h("span", { class: "muted" }, ` opened at score ${c.openingScore.toFixed(1)}, ${when(timestampMs(c.openTime))}`),
      h("div", { class: "mod-actions" }, open, clear, confirm),
    );
    const known = opened.get(c.caseId);
    if (known !== undefined) {
      item.append(known);
      open.remove();
    }
    return item;
  }

  function appealItem(a: Appeal): HTMLElement {
    const overturn = h("button", { type: "button", class: "small", "data-testid": "mod-appeal-overturn" }, "Overturn");
    overturn.addEventListener("click", () => act(() => api.anticheat.resolveAppeal({ appealId: a.appealId, outcome: AppealState.OVERTURNED, resolution: "Overturned on review: the action is lifted." })));
    const uphold = h("button", { type: "button", class: "small ghost", "data-testid": "mod-appeal-uphold" }, "Uphold");
    uphold.addEventListener("click", () => act(() => api.anticheat.resolveAppeal({ appealId: a.appealId, outcome: AppealState.UPHELD, resolution: "Upheld on review: the action stands." })));
    return h(
      "li",
      { class: "mod-item", "data-testid": "mod-appeal", "data-player-id": a.playerId },
      h("strong", {}, `Player ${a.playerId.slice(0, 8)}`),
      h("p", {}, `“${a.statement}”`),
      h("div", { class: "mod-actions" }, uphold, overturn),
    );
  }

  function refundItem(r: Refund): HTMLElement {
    const approve = h("button", { type: "button", class: "small", "data-testid": "mod-refund-approve" }, "Approve");
    approve.addEventListener("click", () => act(() => api.payment.decideRefund({ refundId: r.refundId, approve: true, note: "Approved from the console." })));
    const reject = h("button", { type: "button", class: "small ghost", "data-testid": "mod-refund-reject" }, "Reject");
    reject.addEventListener("click", () => act(() => api.payment.decideRefund({ refundId: r.refundId, approve: false, note: "Rejected from the console." })));
    return h(
      "li",
      { class: "mod-item", "data-testid": "mod-refund", "data-order-id": r.orderId },
      h("strong", {}, `${r.gold.toLocaleString("en")} gold`),
      h("span", { class: "muted" }, ` ${r.origin === RefundOrigin.PLAYER ? "asked by the player" : "from the provider"}: ${r.reason}`),
      h("div", { class: "mod-actions" }, reject, approve),
    );
  }

  async function refresh(force = false): Promise<void> {
    try {
      const [{ cases: open }, { appeals: waiting }, asked] = await Promise.all([
        api.anticheat.listCases({ state: CaseState.OPEN, pageSize: 20 }),
        api.anticheat.listAppeals({}),
        options.refunds ? api.payment.listRefunds({ all: true, state: RefundState.REQUESTED, pageSize: 20 }) : Promise.resolve({ refunds: [] as Refund[] }),
      ]);
      const pending = waiting.filter((a) => a.state === AppealState.OPEN);
      const fingerprint = JSON.stringify([open.map((c) => c.caseId), pending.map((a) => a.appealId), asked.refunds.map((r) => r.refundId)]);
      if (!force && fingerprint === shown) return;
      shown = fingerprint;
      cases.replaceChildren(...(open.length === 0 ? [h("li", { class: "muted" }, "Nothing to review.")] : open.map(caseItem)));
      appeals.replaceChildren(...(pending.length === 0 ? [h("li", { class: "muted" }, "No open appeal.")] : pending.map(appealItem)));
      refunds.replaceChildren(...(asked.refunds.length === 0 ? [h("li", { class: "muted" }, "No refund waiting.")] : asked.refunds.map(refundItem)));
    } catch (error) {
      say(describeError(error).message);
    }
  }

  const stop = poll(() => refresh(), queueIntervalMs);
  return { element, dispose: stop };
}
