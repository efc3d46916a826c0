import type { StreamPlayerEventsResponse } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import type { CharacterNames } from "./names.js";
import { reopenDelay } from "./stream-backoff.js";
import { timestampMs } from "./time.js";

/**
 * The server sends response headers only with the first event, so a stream
 * still open after this long (no refusal came back) is shown as live.
 */
const presumedLiveMs = 1_500;
const maxItems = 30;

/**
 * The live feed of the player's events (GatewayService.StreamPlayerEvents).
 * The stream is re-opened whenever it ends or fails, with exponential backoff
 * and jitter on failures; duplicates after a reconnect are dropped by event id.
 */
export function createFeedView(api: Api, names: CharacterNames): View {
  const controller = new AbortController();
  const seen: string[] = [];
  const status = h("span", { class: "feed-status", role: "status", "data-testid": "feed-status", "data-state": "connecting" }, "connecting…");
  const list = h("ol", { class: "feed", "aria-label": "Live events", "aria-live": "polite", "data-testid": "feed" });
  const empty = h("p", { class: "muted" }, "Nothing has happened yet. Go make some history.");
  const element = h(
    "section",
    { class: "panel feed-panel", "aria-labelledby": "feed-title" },
    h("h2", { id: "feed-title" }, "Live feed ", status),
    list,
    empty,
  );

  function setStatus(state: "connecting" | "live" | "reconnecting", text: string) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function show(event: StreamPlayerEventsResponse) {
    if (seen.includes(event.eventId)) return;
    seen.push(event.eventId);
    if (seen.length > 200) seen.shift();
    const described = describeEvent(event, names);
    if (described === undefined) return;
    const when = new Date(timestampMs(event.occurTime) || Date.now());
    list.prepend(
      h(
        "li",
        { class: `feed-item feed-${described.kind}`, "data-testid": "feed-item", "data-kind": described.kind },
        h("time", { datetime: when.toISOString() }, when.toLocaleTimeString()),
        h("span", {}, described.text),
      ),
    );
    empty.hidden = true;
    while (list.children.length > maxItems) list.lastElementChild?.remove();
  }

  async function run() {
    let failures = 0;
    while (!controller.signal.aborted) {
      const openedAt = Date.now();
      const presumeLive = window.setTimeout(() => setStatus("live", "live"), presumedLiveMs);
      let failure: unknown;
      try {
        const stream = api.gateway.streamPlayerEvents(
          {},
          { signal: controller.signal, onHeader: () => setStatus("live", "live") },
        );
        for await (const event of stream) show(event);
      } catch (error) {
        failure = error;
      } finally {
        window.clearTimeout(presumeLive);
      }
      if (controller.signal.aborted) return;
      const delay = reopenDelay(failure !== undefined, failures, Date.now() - openedAt);
      failures = delay.failures;
      const why = failure === undefined ? "" : `${describeError(failure).message} `;
      setStatus("reconnecting", `${why}reconnecting in ${Math.ceil(delay.ms / 1000)} s…`);
      await new Promise((resolve) => window.setTimeout(resolve, delay.ms));
    }
  }

  void run();
  return { element, dispose: () => controller.abort() };
}

interface DescribedEvent {
  readonly kind: string;
  readonly text: string;
}

function describeEvent(event: StreamPlayerEventsResponse, names: CharacterNames): DescribedEvent | undefined {
  const item = event.item;
  switch (item.case) {
    case "damageTaken": {
      const v = item.value;
      return {
        kind: "damage",
        text: `${names.nameOf(v.characterId)} took ${v.amount} damage from ${names.nameOf(v.sourceCharacterId)}'s ${v.spellId.replaceAll("_", " ")} (${v.healthAfter} health left).`,
      };
    }
    case "characterDefeated":
      return { kind: "defeat", text: `${names.nameOf(item.value.victorCharacterId)} defeated ${names.nameOf(item.value.defeatedId)}.` };
    case "levelUp":
      return { kind: "level", text: `${names.nameOf(item.value.characterId)} reached level ${item.value.level}!` };
    case "achievementUnlocked":
      return {
        kind: "achievement",
        text: `${names.nameOf(item.value.characterId)} earned the achievement “${item.value.title || item.value.achievementId}”.`,
      };
    case "notification":
      return { kind: "notification", text: `${item.value.title}: ${item.value.body}` };
    default:
      return undefined;
  }
}
