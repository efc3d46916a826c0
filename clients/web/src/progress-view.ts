import { Code, ConnectError } from "@connectrpc/connect";
import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { h, type View } from "./dom.js";
import { describeError } from "./errors.js";
import { createMeter } from "./meter.js";
import { poll } from "./poll.js";

const progressIntervalMs = 2_000;

/** Total experience needed to reach `level` (level 2 at 100, 3 at 300, 4 at 600). */
function experienceForLevel(level: number): number {
  return (100 * level * (level - 1)) / 2;
}

/** The progress panel; `refresh` re-reads now (e.g. right after a cast). */
export interface ProgressView extends View {
  refresh(): Promise<void>;
}

/** Level, experience bar, defeats and achievement points of one character. */
export function createProgressView(api: Api, character: Character, onLevel: (level: number) => void): ProgressView {
  const level = h("span", { class: "level-badge", "data-testid": "progress-level" }, "Level 1");
  const xp = createMeter("xp", "Experience", "progress-xp");
  xp.set(0, 100, "0 XP");
  const defeats = h("dd", { "data-testid": "progress-defeats" }, "0");
  const points = h("dd", { "data-testid": "progress-points" }, "0");
  const alert = h("p", { class: "alert", role: "alert", hidden: true });
  const element = h(
    "section",
    { class: "panel progress", "aria-labelledby": "progress-title", "data-testid": "progress" },
    h("h2", { id: "progress-title" }, "Progress ", level),
    xp.element,
    h("dl", { class: "stats" }, h("dt", {}, "Defeats"), defeats, h("dt", {}, "Achievement points"), points),
    alert,
  );

  const refresh = async () => {
    try {
      const { progress } = await api.progression.getProgress({ characterId: character.characterId });
      alert.hidden = true;
      if (progress === undefined) return;
      const floor = experienceForLevel(progress.level);
      const experience = Number(progress.experience);
      const span = experience - floor + Number(progress.experienceToNextLevel);
      level.textContent = `Level ${progress.level}`;
      onLevel(progress.level);
      xp.set(experience - floor, span, `${experience} XP · ${progress.experienceToNextLevel} to level ${progress.level + 1}`);
      defeats.textContent = String(progress.defeats);
      points.textContent = String(progress.achievementPoints);
    } catch (error) {
      // A character that has not fought yet has no progress: that is level 1, not an error.
      if (ConnectError.from(error).code === Code.NotFound) return;
      alert.textContent = describeError(error).message;
      alert.hidden = false;
    }
  };
  const stop = poll(refresh, progressIntervalMs);
  return { element, dispose: stop, refresh };
}
