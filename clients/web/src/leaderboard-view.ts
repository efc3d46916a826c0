import { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { poll } from "./poll.js";

const leaderboardIntervalMs = 3_000;
const leaderboardSize = 10;

/**
 * The top of the level leaderboard, refreshed every few seconds; the player's
 * own character is highlighted. The board ranks by total experience (levels
 * follow from it), which is the score shown.
 */
export function createLeaderboardView(api: Api, ownCharacterId: () => string | undefined): View {
  const body = h("tbody", {});
  const status = h("p", { class: "muted", role: "status" }, "Loading…");
  const element = h(
    "section",
    { class: "panel leaderboard", "aria-labelledby": "leaderboard-title", "data-testid": "leaderboard" },
    h("h2", { id: "leaderboard-title" }, "Leaderboard"),
    h(
      "table",
      { class: "board" },
      h("caption", { class: "visually-hidden" }, "Characters by level and experience"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "Character"), h("th", { scope: "col" }, "Experience"))),
      body,
    ),
    status,
  );

  const stop = poll(async () => {
    try {
      const { entries } = await api.progression.getLeaderboard({ board: Board.LEVEL, pageSize: leaderboardSize });
      const own = ownCharacterId();
      body.replaceChildren(
        ...entries.map((entry) =>
          h(
            "tr",
            { class: entry.characterId === own ? "own" : undefined, "data-testid": "leaderboard-entry", "data-character-id": entry.characterId },
            h("td", { class: "rank" }, String(entry.rank)),
            h("td", {}, entry.characterName),
            h("td", { class: "score" }, String(entry.score)),
          ),
        ),
      );
      status.textContent = entries.length === 0 ? "No one has earned experience yet." : "";
      status.hidden = entries.length > 0;
    } catch (error) {
      status.textContent = describeError(error).message;
      status.hidden = false;
    }
  }, leaderboardIntervalMs);
  return { element, dispose: stop };
}
