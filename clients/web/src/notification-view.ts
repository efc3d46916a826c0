import { Category, DeliveryChannel, type Notification, type Preferences } from "@chaos/gen/chaos/notification/v1/notification_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { poll } from "./poll.js";
import { timestampMs } from "./time.js";

/** The live feed shows notifications as they happen; the centre catches up this often (and after every action). */
const centreIntervalMs = 4_000;
const pageSize = 20;

const categoryLabels: ReadonlyArray<readonly [Category, string]> = [
  [Category.PROGRESSION, "Levels and achievements"],
  [Category.COMBAT, "Combat"],
  [Category.TRADE, "Trades"],
  [Category.GUILD, "Guild"],
  [Category.MATCHMAKING, "Matchmaking"],
  [Category.BILLING, "Payments"],
  [Category.ACCOUNT, "Account standing"],
];
const channelLabels: ReadonlyArray<readonly [DeliveryChannel, string]> = [
  [DeliveryChannel.IN_APP, "In game"],
  [DeliveryChannel.EMAIL, "Email"],
  [DeliveryChannel.WEBHOOK, "Webhook"],
];

/**
 * The notification centre (NotificationService): the player's notifications
 * with read state and an unread count, and their preferences — channels per
 * category, quiet hours in their time zone, and an opt-out of all email.
 */
export function createNotificationView(api: Api): View {
  const count = h("span", { class: "tab-badge", hidden: true, "data-testid": "notification-unread" });
  const list = h("ol", { class: "notifications", "aria-label": "Notifications", "data-testid": "notifications" });
  const empty = h("p", { class: "muted small" }, "No notifications yet.");
  const markAll = h("button", { type: "button", class: "ghost small", "data-testid": "notifications-mark-all" }, "Mark all read");
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "notification-error" });
  const preferences = createPreferencesForm(api);
  const element = h(
    "section",
    { class: "panel notification-panel", "aria-labelledby": "notification-title", "data-testid": "notification-centre" },
    h("h2", { id: "notification-title" }, "Notifications ", count),
    h("div", { class: "row-actions" }, markAll),
    list,
    empty,
    alert,
    preferences.element,
  );

  function paint(notifications: readonly Notification[], unread: number) {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    empty.hidden = notifications.length > 0;
    list.replaceChildren(
      ...notifications.map((n) => {
        const when = new Date(timestampMs(n.createTime) || Date.now());
        const item = h(
          "li",
          { class: `notification${n.read ? "" : " unread"}`, "data-testid": "notification", "data-kind": n.kind, "data-read": String(n.read) },
          h("time", { datetime: when.toISOString() }, when.toLocaleString()),
          h("strong", {}, n.title),
          h("span", {}, n.body),
        );
        if (!n.read) {
          const read = h("button", { type: "button", class: "ghost small", "data-testid": "notification-mark-read" }, "Mark read");
          read.addEventListener("click", () => void act(() => api.notification.markNotificationsRead({ notificationIds: [n.notificationId] })));
          item.append(read);
        }
        return item;
      }),
    );
  }

  async function refresh() {
    const page = await api.notification.listNotifications({ pageSize });
    paint(page.notifications, page.unreadCount);
    alert.hidden = true;
  }

  async function act(call: () => Promise<unknown>) {
    try {
      await call();
      await refresh();
    } catch (error) {
      showProblem(alert, error);
    }
  }

  markAll.addEventListener("click", () => void act(() => api.notification.markNotificationsRead({ all: true })));
  const stop = poll(() => refresh().catch((error) => void showProblem(alert, error)), centreIntervalMs);
  return { element, dispose: stop };
}

/** The preferences form, filled from GetPreferences and saved whole with UpdatePreferences. */
function createPreferencesForm(api: Api): { readonly element: HTMLElement } {
  const boxes = new Map<string, HTMLInputElement>();
  const rows = categoryLabels.map(([category, label]) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, label),
      ...channelLabels.map(([channel, channelLabel]) => {
        const box = h("input", { type: "checkbox", "aria-label": `${label}: ${channelLabel}`, "data-testid": `pref-${Category[category]}-${DeliveryChannel[channel]}` });
        boxes.set(`${category}:${channel}`, box);
        return h("td", {}, box);
      }),
    ),
  );
  const quietStart = h("input", { type: "time", "data-testid": "pref-quiet-start" });
  const quietEnd = h("input", { type: "time", "data-testid": "pref-quiet-end" });
  const timeZone = h("input", { type: "text", placeholder: "Europe/Paris", "data-testid": "pref-time-zone" });
  const optOut = h("input", { type: "checkbox", "data-testid": "pref-email-opt-out" });
  const save = h("button", { type: "submit", "data-testid": "pref-save" }, "Save preferences");
  const result = h("p", { class: "muted small", role: "status", "data-testid": "pref-result" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "pref-error" });
  const form = h(
    "form",
    { class: "stack preferences" },
    h("table", { class: "board" }, h("thead", {}, h("tr", {}, h("th", {}, ""), ...channelLabels.map(([, label]) => h("th", { scope: "col" }, label)))), h("tbody", {}, ...rows)),
    h("div", { class: "row-actions" }, field("Quiet from", quietStart), field("until", quietEnd)),
    field("Time zone", timeZone, "An IANA zone; quiet hours hold email and webhooks until they end."),
    h("label", { class: "row-actions" }, optOut, " No email at all"),
    save,
    result,
    alert,
  );
  const element = h("details", { class: "preferences-box", "data-testid": "preferences" }, h("summary", {}, "Preferences"), form);

  function fill(preferences: Preferences | undefined) {
    for (const box of boxes.values()) box.checked = false;
    for (const entry of preferences?.categories ?? []) for (const channel of entry.channels) {
      const box = boxes.get(`${entry.category}:${channel}`);
      if (box !== undefined) box.checked = true;
    }
    quietStart.value = preferences?.quietHours?.start ?? "";
    quietEnd.value = preferences?.quietHours?.end ?? "";
    timeZone.value = preferences?.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    optOut.checked = preferences?.emailOptOut ?? false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save.disabled = true;
    alert.hidden = true;
    const quiet = quietStart.value !== "" || quietEnd.value !== "" ? { start: quietStart.value, end: quietEnd.value } : undefined;
    void api.notification
      .updatePreferences({
        preferences: {
          categories: categoryLabels.map(([category]) => ({ category, channels: channelLabels.filter(([channel]) => boxes.get(`${category}:${channel}`)?.checked).map(([channel]) => channel) })),
          quietHours: quiet,
          timeZone: timeZone.value.trim(),
          emailOptOut: optOut.checked,
        },
      })
      .then(({ preferences }) => {
        fill(preferences);
        result.textContent = "Saved.";
      })
      .catch((error) => showProblem(alert, error))
      .finally(() => {
        save.disabled = false;
      });
  });
  element.addEventListener("toggle", () => {
    if (!element.open) return;
    void api.notification
      .getPreferences({})
      .then(({ preferences }) => fill(preferences))
      .catch((error) => showProblem(alert, error));
  });
  return { element };
}
