import { MatchState, TicketState, type Match, type Rating, type Ticket } from "@chaos/gen/chaos/matchmaking/v1/match_pb.js";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import type { CharacterNames } from "./names.js";
import { poll } from "./poll.js";
import { reopenDelay } from "./stream-backoff.js";
import { timeUntil, timestampMs } from "./time.js";

/** How a queue reads in the picker: "ranked-3v3" → "Ranked 3v3". */
const queueLabel = (id: string) => id.replace(/^./, (c) => c.toUpperCase()).replaceAll("-", " ");
const matchIntervalMs = 1_000;
const boardIntervalMs = 4_000;
const boardSize = 10;

/** The conservative rank (μ − 3σ) to one decimal: OpenSkill's scale is small (a new player is 0, a match moves it by a few). */
const rank = (rating: Rating | undefined) => (rating === undefined ? "—" : rating.conservative.toLocaleString("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 }));

/**
 * PvP for the picked character: queue (with the time waited and the rating
 * window the server has widened to), the ready check, the match while a game
 * server plays it, the result with the rating's change, and the ranked
 * leaderboard by season. The server decides who meets whom; the view follows
 * the ticket's stream and the match's state.
 */
export function createArenaView(api: Api, names: CharacterNames, character: Character): View {
  const controller = new AbortController();
  // Filled from ListQueues: the queues and regions the server is set up with.
  const queue = h("select", { name: "queue" });
  const region = h("select", { name: "region" });
  const find = h("button", { type: "submit", "data-testid": "arena-find" }, "Find a match");
  const form = h("form", { class: "arena-form", "data-testid": "arena-form" }, field("Queue", queue), field("Region", region), find);
  const rating = h("p", { class: "arena-rating", "data-testid": "arena-rating" });
  const stage = h("div", { class: "arena-stage", "data-testid": "arena-stage", "data-state": "idle" });
  const notice = h("p", { class: "notice", role: "alert", hidden: true });
  const season = h("select", { name: "season", "aria-label": "Season", "data-testid": "arena-season" });
  const board = h("tbody", {});
  const element = h(
    "section",
    { class: "panel arena", "aria-labelledby": "arena-title", "data-testid": "arena" },
    h("h2", { id: "arena-title" }, "Arena"),
    rating,
    form,
    notice,
    stage,
    h(
      "div",
      { class: "arena-board" },
      h("h3", {}, "Ranked leaderboard ", season),
      h(
        "table",
        { class: "board", "data-testid": "arena-leaderboard" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "Character"), h("th", { scope: "col" }, "Rank (μ − 3σ)"))),
        board,
      ),
    ),
  );

  let ticket: Ticket | undefined;
  let match: Match | undefined;
  let before: Rating | undefined;

  const say = (text: string | undefined) => {
    notice.textContent = text ?? "";
    notice.hidden = text === undefined;
  };
  const queueId = () => ticket?.queueId ?? queue.value;

  async function readRating(): Promise<Rating | undefined> {
    const { rating: current } = await api.matchmaking.getRating({ characterId: character.characterId, queueId: queueId(), seasonNumber: 0 });
    rating.textContent = current === undefined ? "Unrated in this queue." : `Rank ${rank(current)} · ${current.wins} W / ${current.losses} L / ${current.draws} D`;
    return current;
  }

  function paint(state: string, ...children: (Node | string)[]) {
    stage.dataset.state = state;
    stage.replaceChildren(...children);
    form.hidden = state !== "idle" && state !== "result";
  }

  function paintSearching(windowSize: number, waitSeconds: number) {
    const leave = h("button", { type: "button", class: "ghost", "data-testid": "arena-leave" }, "Leave queue");
    leave.addEventListener("click", () => {
      if (ticket === undefined) return;
      const { ticketId } = ticket;
      void api.matchmaking.leaveQueue({ ticketId, characterId: character.characterId }).then(
        () => reset(),
        (error: unknown) => say(describeError(error).message),
      );
    });
    paint(
      "searching",
      h("p", {}, h("strong", {}, "Searching… "), h("span", { "data-testid": "arena-wait" }, `${Math.floor(waitSeconds)} s in queue`)),
      h("p", { class: "muted", "data-testid": "arena-window" }, `Opponents within ±${Math.round(windowSize)} rating (the window widens the longer you wait)`),
      leave,
    );
  }

  function paintReadyCheck(found: Match) {
    const answered = found.acceptedCharacterIds.includes(character.characterId);
    const accept = h("button", { type: "button", "data-testid": "arena-accept", disabled: answered }, answered ? "Accepted" : "Accept");
    const decline = h("button", { type: "button", class: "ghost", "data-testid": "arena-decline", disabled: answered }, "Decline");
    accept.addEventListener("click", () => void answer(() => api.matchmaking.acceptMatch({ matchId: found.matchId, characterId: character.characterId })));
    decline.addEventListener("click", () => void answer(() => api.matchmaking.declineMatch({ matchId: found.matchId, characterId: character.characterId })));
    const total = found.teams.reduce((n, t) => n + t.characterIds.length, 0);
    paint(
      "ready-check",
      h("p", {}, h("strong", {}, "Match found! "), `Ready check closes ${timeUntil(timestampMs(found.readyCheckExpireTime))}.`),
      h("p", { class: "muted" }, `${found.acceptedCharacterIds.length} of ${total} ready`),
      h("div", { class: "arena-actions" }, accept, decline),
    );
  }

  function paintMatch(running: Match) {
    const teams = running.teams.map((team) =>
      h("li", {}, h("strong", {}, `Team ${team.teamIndex + 1}`), ` (mean ${Math.round(team.meanRating)}): `, team.characterIds.map((id) => names.nameOf(id)).join(", ")),
    );
    const text = running.state === MatchState.ALLOCATING ? "Finding a game server…" : `Playing on ${running.serverId || "a game server"}…`;
    paint("playing", h("p", {}, h("strong", {}, text)), h("ul", { class: "arena-teams" }, ...teams));
  }

  async function paintResult(done: Match) {
    const after = await readRating();
    const mine = done.teams.find((t) => t.characterIds.includes(character.characterId));
    const { match: final } = await api.matchmaking.getMatch({ matchId: done.matchId, characterId: character.characterId });
    const result = final?.result;
    const outcome =
      final?.state === MatchState.CANCELLED || result === undefined
        ? "Match cancelled"
        : result.draw
          ? "Draw"
          : result.leaverCharacterIds.includes(character.characterId)
            ? "Defeat (you left)"
            : mine?.teamIndex === result.winningTeamIndex
              ? "Victory"
              : "Defeat";
    const change = before === undefined || after === undefined ? "" : `${rank(before)} → ${rank(after)}`;
    paint(
      "result",
      h("p", {}, h("strong", { "data-testid": "arena-outcome" }, outcome), mine === undefined ? "" : ` (you were on team ${mine.teamIndex + 1})`),
      h("p", { "data-testid": "arena-rating-change" }, change === "" ? "Rating unchanged." : `Rating ${change}`),
    );
    ticket = undefined;
    match = undefined;
  }

  function reset() {
    ticket = undefined;
    match = undefined;
    paint("idle");
    void readRating().catch(() => undefined);
  }

  async function answer(work: () => Promise<{ match?: Match }>) {
    say(undefined);
    try {
      const { match: answered } = await work();
      if (answered !== undefined) follow(answered);
    } catch (error) {
      say(describeError(error).message);
    }
  }

  /** Shows the match as it is now; a finished one ends the ticket's story. */
  function follow(current: Match) {
    match = current;
    if (current.state === MatchState.READY_CHECK) paintReadyCheck(current);
    else if (current.state === MatchState.ALLOCATING || current.state === MatchState.RUNNING) paintMatch(current);
    else void paintResult(current);
  }

  /** The ticket's stream until it ends (the ticket matched, or was cancelled); reopened with backoff. */
  async function watch(ticketId: string) {
    let failures = 0;
    while (!controller.signal.aborted && ticket?.ticketId === ticketId && match === undefined) {
      const openedAt = Date.now();
      let failure: unknown;
      try {
        for await (const update of api.matchmaking.streamTicketUpdates({ ticketId }, { signal: controller.signal })) {
          ticket = update.ticket ?? ticket;
          if (update.match !== undefined && update.match.state !== MatchState.READY_CHECK) {
            follow(update.match);
            return;
          }
          if (update.match !== undefined) paintReadyCheck(update.match);
          else if (ticket?.state === TicketState.SEARCHING) paintSearching(update.ratingWindow, update.waitSeconds);
          if (ticket?.state === TicketState.CANCELLED || ticket?.state === TicketState.EXPIRED) {
            say(ticket.cause === "declined" ? "The ready check failed: you are out of the queue." : "Your ticket ended.");
            reset();
            return;
          }
        }
      } catch (error) {
        failure = error;
      }
      if (controller.signal.aborted) return;
      const delay = reopenDelay(failure !== undefined, failures, Date.now() - openedAt);
      failures = delay.failures;
      await new Promise((resolve) => window.setTimeout(resolve, delay.ms));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    say(undefined);
    find.disabled = true;
    void (async () => {
      try {
        before = await readRating();
        const joined = await api.matchmaking.joinQueue({ characterId: character.characterId, queueId: queue.value, region: region.value, latencyMs: 40 });
        ticket = joined.ticket;
        if (ticket !== undefined) {
          paintSearching(0, 0);
          void watch(ticket.ticketId);
        }
      } catch (error) {
        say(describeError(error).message);
      } finally {
        find.disabled = false;
      }
    })();
  });
  queue.addEventListener("change", () => {
    void readRating().catch(() => undefined);
    void refreshBoard();
  });
  season.addEventListener("change", () => void refreshBoard());

  // A match past its ready check is followed by its state (the ticket's stream has ended by then).
  const stopMatch = poll(async () => {
    if (match === undefined || match.state === MatchState.READY_CHECK) return;
    const { match: now } = await api.matchmaking.getMatch({ matchId: match.matchId, characterId: character.characterId });
    if (now !== undefined && now.state !== match.state) follow(now);
  }, matchIntervalMs);

  async function refreshBoard() {
    try {
      if (season.options.length === 0) {
        const { seasons } = await api.matchmaking.listSeasons({});
        season.replaceChildren(...seasons.map((s) => h("option", { value: String(s.seasonNumber) }, `Season ${s.seasonNumber}`)));
      }
      const { ratings } = await api.matchmaking.listLeaderboard({ queueId: queue.value, seasonNumber: Number(season.value || "0"), pageSize: boardSize });
      await Promise.all(
        ratings
          .filter((r) => !names.knows(r.characterId))
          .map(async (r) => {
            const { character: seen } = await api.player.getCharacter({ characterId: r.characterId });
            if (seen !== undefined) names.remember(seen.characterId, seen.name);
          }),
      );
      board.replaceChildren(
        ...ratings.map((r, i) =>
          h(
            "tr",
            { class: r.characterId === character.characterId ? "own" : undefined, "data-testid": "arena-leader", "data-character-id": r.characterId },
            h("td", { class: "rank" }, String(i + 1)),
            h("td", {}, names.nameOf(r.characterId)),
            h("td", { class: "score" }, rank(r)),
          ),
        ),
      );
    } catch (error) {
      say(describeError(error).message);
    }
  }
  let stopBoard: () => void = () => undefined;
  void api.matchmaking.listQueues({}).then(
    ({ queues, regions }) => {
      queue.replaceChildren(...queues.map((q) => h("option", { value: q.queueId }, `${queueLabel(q.queueId)}${q.ranked ? "" : " (unranked)"}`)));
      region.replaceChildren(...regions.map((r) => h("option", { value: r }, r.toUpperCase())));
      stopBoard = poll(refreshBoard, boardIntervalMs);
      reset();
    },
    (error: unknown) => say(describeError(error).message),
  );

  return {
    element,
    dispose() {
      controller.abort();
      stopMatch();
      stopBoard();
    },
  };
}
