import { ActionKind, AppealState, type Action, type Appeal } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { poll } from "./poll.js";
import { timeUntil, timestampMs } from "./time.js";

const standingIntervalMs = 5_000;

export const actionLabels: Readonly<Partial<Record<ActionKind, string>>> = {
  [ActionKind.FLAG]: "Flagged for review",
  [ActionKind.TRADE_RESTRICTION]: "Trading restricted",
  [ActionKind.SUSPENSION]: "Suspended",
  [ActionKind.BAN]: "Banned",
};
const appealLabels: Readonly<Partial<Record<AppealState, string>>> = {
  [AppealState.OPEN]: "appeal open",
  [AppealState.UPHELD]: "appeal upheld",
  [AppealState.OVERTURNED]: "appeal granted",
};

/**
 * The player's own standing with anti-cheat: whether they may log in and
 * trade, the actions in force on the account with when they end, and an
 * appeal per action (a statement a moderator reads with the evidence).
 * The view shows no score and no evidence: what tripped which rule is for
 * moderators, not for someone probing the rules.
 */
export function createStandingView(api: Api): View {
  const summary = h("p", { class: "muted", "data-testid": "standing-summary" }, "…");
  const list = h("ul", { class: "standing-actions", "data-testid": "standing-actions" });
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "panel standing", "aria-labelledby": "standing-title", "data-testid": "standing" },
    h("h2", { id: "standing-title" }, "Fair play"),
    summary,
    notice,
    list,
  );
  const statements = new Map<string, string>();
  let shown = "";

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };

  function actionItem(action: Action, appeal: Appeal | undefined): HTMLElement {
    const ends = timestampMs(action.expireTime);
    const statement = h("input", { type: "text", maxlength: 1000, placeholder: "Why this was a mistake", "aria-label": "Appeal statement", "data-testid": "standing-statement" });
    statement.value = statements.get(action.actionId) ?? "";
    statement.addEventListener("input", () => statements.set(action.actionId, statement.value));
    const send = h("button", { type: "button", class: "small", "data-testid": "standing-appeal" }, "Appeal");
    send.addEventListener("click", () => {
      if (statement.value.trim().length < 10) return say("Say in a sentence or two why the action is wrong (10 characters at least).");
      say(undefined);
      send.disabled = true;
      void api.anticheat.submitAppeal({ actionId: action.actionId, statement: statement.value.trim() }).then(
        () => refresh(),
        (error: unknown) => {
          send.disabled = false;
          say(describeError(error).message);
        },
      );
    });
    return h(
      "li",
      { class: "standing-action", "data-testid": "standing-action", "data-kind": ActionKind[action.kind] },
      h("strong", {}, actionLabels[action.kind] ?? "Action"),
      h("span", { class: "muted" }, ends === 0 ? " until a moderator lifts it" : ` — ends ${timeUntil(ends)}`),
      action.reason === "" ? null : h("p", {}, action.reason),
      appeal === undefined ? h("div", { class: "standing-appeal" }, statement, send) : h("p", { class: "muted", "data-testid": "standing-appeal-state" }, `Your ${appealLabels[appeal.state] ?? "appeal"}${appeal.resolution === "" ? "" : `: ${appeal.resolution}`}`),
    );
  }

  async function refresh(): Promise<void> {
    try {
      const [{ standing }, { appeals }] = await Promise.all([api.anticheat.getMyStanding({}), api.anticheat.listMyAppeals({})]);
      const actions = standing?.activeActions ?? [];
      summary.textContent =
        actions.length === 0
          ? "In good standing."
          : standing?.mayLogIn === false
            ? "You cannot log in while this is in force."
            : standing?.mayTrade === false
              ? "Some of what you can do is restricted."
              : "Your account is under review.";
      summary.dataset.clear = String(actions.length === 0);
      // Redrawn only when what it shows changed, so a statement being typed is not swapped away.
      const fingerprint = JSON.stringify([actions.map((a) => [a.actionId, a.state]), appeals.map((a) => [a.appealId, a.state])]);
      if (fingerprint === shown) return;
      shown = fingerprint;
      list.replaceChildren(...actions.map((action) => actionItem(action, appeals.find((a) => a.actionId === action.actionId))));
    } catch (error) {
      say(describeError(error).message);
    }
  }

  const stop = poll(refresh, standingIntervalMs);
  return { element, dispose: stop };
}
