import { School } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { GoalKind, LiveEventState, type Goal, type LiveEvent, type LiveEventInstance, type Participation, type RewardTier } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { createMeter } from "./meter.js";
import { poll } from "./poll.js";
import { timeUntil, timestampMs } from "./time.js";

const eventsIntervalMs = 3_000;
const leaderboardSize = 5;

const schoolNames: Readonly<Partial<Record<School, string>>> = {
  [School.FIRE]: "fire",
  [School.FROST]: "frost",
  [School.ARCANE]: "arcane",
  [School.PHYSICAL]: "physical",
  [School.HOLY]: "holy",
};

/** What the goal asks of a player, in words. */
function goalText(goal: Goal | undefined): string {
  switch (goal?.kind) {
    case GoalKind.DEFEATS:
      return "Defeat foes";
    case GoalKind.SPELL_CASTS:
      return goal.school === School.UNSPECIFIED ? "Cast spells" : `Cast ${schoolNames[goal.school] ?? "school"} spells`;
    case GoalKind.TRADES_SETTLED:
      return "Settle trades";
    default:
      return "Take part";
  }
}

function rewardText(tier: RewardTier): string {
  const parts = [...(tier.gold > 0n ? [`${tier.gold.toLocaleString("en")} gold`] : []), ...tier.items.map((i) => `${i.quantity}× ${i.definitionId.replaceAll("_", " ")}`)];
  return parts.length === 0 ? "a mention" : parts.join(", ");
}

/** One running event as the picked character sees it. */
interface EventCard {
  readonly event: LiveEvent;
  readonly instance: LiveEventInstance | undefined;
  readonly participation: Participation | undefined;
  readonly leaders: readonly { rank: bigint; characterId: string; characterName: string; progress: bigint }[];
}

/**
 * Live events running now, for the picked character: the goal, the window,
 * the reward tiers, a Join button, the character's progress towards the top
 * tier, Claim buttons for tiers reached, and the occurrence's leaders. The
 * server decides everything (the window, what counts, what may be claimed);
 * the view only asks and shows. Cards are redrawn only when what they show
 * changed, so a button is never swapped under the pointer.
 */
export function createEventsView(api: Api, character: Character): View {
  const list = h("div", { class: "event-list" });
  const status = h("p", { class: "muted", role: "status" }, "Looking for live events…");
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "panel events", "aria-labelledby": "events-title", "data-testid": "events" },
    h("h2", { id: "events-title" }, "Live events"),
    status,
    notice,
    list,
  );
  const drawn = new Map<string, { readonly element: HTMLElement; fingerprint: string }>();
  let busy = false;

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };

  const act = async (work: () => Promise<unknown>) => {
    if (busy) return;
    busy = true;
    say(undefined);
    try {
      await work();
      await refresh();
    } catch (error) {
      say(describeError(error).message);
    } finally {
      busy = false;
    }
  };

  async function cardOf(event: LiveEvent): Promise<EventCard> {
    const { currentInstance } = await api.liveops.getLiveEvent({ eventId: event.eventId });
    const running = currentInstance !== undefined && timestampMs(currentInstance.startTime) <= Date.now() ? currentInstance : undefined;
    if (running === undefined) return { event, instance: currentInstance, participation: undefined, leaders: [] };
    const [participation, board] = await Promise.all([
      api.liveops.getParticipation({ instanceId: running.instanceId, characterId: character.characterId }).then(
        (r) => r.participation,
        // Not joined yet (FAILED_PRECONDITION NOT_JOINED) is the common case, not an error to show.
        () => undefined,
      ),
      api.liveops.listLeaderboard({ instanceId: running.instanceId, pageSize: leaderboardSize }),
    ]);
    return { event, instance: running, participation, leaders: board.entries };
  }

  function draw(card: EventCard): HTMLElement {
    const { event, instance, participation } = card;
    const top = event.tiers.at(-1)?.threshold ?? 0n;
    const meter = createMeter("xp", `Progress in ${event.title}`, "event-progress");
    meter.set(Number(participation?.progress ?? 0n), Number(top), `${participation?.progress ?? 0n} / ${top}`);
    const running = instance !== undefined && timestampMs(instance.startTime) <= Date.now();
    const join = h("button", { type: "button", "data-testid": "event-join" }, `Join as ${character.name}`);
    join.addEventListener("click", () => void act(() => api.liveops.joinLiveEvent({ eventId: event.eventId, characterId: character.characterId })));
    const tiers = event.tiers.map((tier) => {
      const reached = participation?.reachedTiers.includes(tier.tier) ?? false;
      const claimed = participation?.claimedTiers.includes(tier.tier) ?? false;
      const claim = h("button", { type: "button", class: "small", "data-testid": `event-claim-${tier.tier}` }, "Claim");
      claim.addEventListener("click", () =>
        void act(() => api.liveops.claimReward({ instanceId: instance!.instanceId, characterId: character.characterId, tier: tier.tier })),
      );
      return h(
        "li",
        { class: claimed ? "tier claimed" : reached ? "tier reached" : "tier", "data-testid": "event-tier", "data-tier": tier.tier },
        h("span", { class: "tier-threshold" }, `${tier.threshold.toLocaleString("en")}`),
        h("span", { class: "tier-reward" }, rewardText(tier)),
        claimed ? h("span", { class: "badge badge-ok" }, "Claimed") : reached ? claim : h("span", { class: "muted" }, "not yet"),
      );
    });
    const window = instance === undefined ? "No occurrence left." : running ? `Ends ${timeUntil(timestampMs(instance.endTime))}` : `Starts ${timeUntil(timestampMs(instance.startTime))}`;
    return h(
      "article",
      { class: "event-card", "data-testid": "event-card", "data-event-id": event.eventId },
      h("header", {}, h("h3", {}, event.title), h("span", { class: "muted" }, window)),
      event.description === "" ? null : h("p", {}, event.description),
      h("p", { class: "event-goal" }, goalText(event.goal)),
      participation === undefined ? (running ? join : null) : meter.element,
      h("ol", { class: "tiers", "aria-label": "Reward tiers" }, ...tiers),
      card.leaders.length === 0
        ? null
        : h(
            "table",
            { class: "board", "data-testid": "event-leaders" },
            h("caption", { class: "visually-hidden" }, `Leaders of ${event.title}`),
            h("tbody", {}, ...card.leaders.map((l) => h("tr", { class: l.characterId === character.characterId ? "own" : undefined }, h("td", { class: "rank" }, String(l.rank)), h("td", {}, l.characterName), h("td", { class: "score" }, String(l.progress))))),
          ),
    );
  }

  async function refresh(): Promise<void> {
    try {
      const { events } = await api.liveops.listLiveEvents({ state: LiveEventState.ACTIVE, pageSize: 20 });
      const cards = await Promise.all(events.map(cardOf));
      for (const id of [...drawn.keys()]) if (!events.some((e) => e.eventId === id)) drawn.delete(id);
      const elements = cards.map((card) => {
        const fingerprint = JSON.stringify(card, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
        const known = drawn.get(card.event.eventId);
        if (known !== undefined && known.fingerprint === fingerprint) return known.element;
        const fresh = { element: draw(card), fingerprint };
        drawn.set(card.event.eventId, fresh);
        return fresh.element;
      });
      list.replaceChildren(...elements);
      status.textContent = cards.length === 0 ? "No live event is running. Check back later." : "";
      status.hidden = cards.length > 0;
    } catch (error) {
      status.textContent = describeError(error).message;
      status.hidden = false;
    }
  }

  const stop = poll(refresh, eventsIntervalMs);
  return { element, dispose: stop };
}
