import { CharacterKind, type Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import { className } from "./character-class.js";
import { h } from "./dom.js";
import { createMeter, type Meter } from "./meter.js";

/** The characters and training targets one can attack, with health bars; one is selected. */
export interface TargetList {
  readonly element: HTMLElement;
  /** The selected target, if any. */
  selected(): Character | undefined;
  /** Shows this list of characters (rows are updated in place, so focus and selection survive). */
  update(characters: readonly Character[]): void;
  /** Applies a known health change (from a cast response) before the next listing. */
  setHealth(characterId: string, health: number, defeated: boolean): void;
}

interface Row {
  character: Character;
  readonly item: HTMLLIElement;
  readonly button: HTMLButtonElement;
  readonly meter: Meter;
  readonly status: HTMLElement;
}

/** Creates the list; `onSelect` is told when the selection changes. */
export function createTargetList(onSelect: (target: Character) => void): TargetList {
  const rows = new Map<string, Row>();
  let selectedId: string | undefined;
  const list = h("ul", { class: "target-list", "aria-label": "Targets", "data-testid": "target-list" });
  const empty = h("p", { class: "muted" }, "Nobody here yet.");
  const element = h("div", { class: "targets" }, list, empty);

  function select(characterId: string) {
    selectedId = characterId;
    for (const [id, row] of rows) {
      row.button.setAttribute("aria-pressed", String(id === characterId));
      row.item.classList.toggle("selected", id === characterId);
    }
    const row = rows.get(characterId);
    if (row !== undefined) onSelect(row.character);
  }

  function paint(row: Row) {
    const stats = row.character.stats;
    const health = stats?.health ?? 0;
    const maxHealth = stats?.maxHealth ?? 0;
    row.meter.set(health, maxHealth, `${health} / ${maxHealth}`);
    row.item.classList.toggle("defeated", row.character.defeated);
    row.status.textContent = row.character.defeated ? "Defeated" : "";
    row.item.dataset.health = String(health);
  }

  function createRow(character: Character): Row {
    const training = character.kind === CharacterKind.TRAINING_TARGET;
    const meter = createMeter("health", `${character.name} health`);
    const status = h("span", { class: "target-status", "data-testid": "target-status" });
    const button = h(
      "button",
      { type: "button", class: "target-button", "aria-pressed": "false", onclick: () => select(character.characterId) },
      h("span", { class: `target-icon ${training ? "icon-dummy" : "icon-player"}`, "aria-hidden": "true" }),
      h(
        "span",
        { class: "target-label" },
        h("span", { class: "target-name", "data-testid": "target-name" }, character.name),
        h("span", { class: "target-kind" }, training ? "Training dummy" : `Level ${character.stats?.level ?? 1} ${className(character.characterClass)}`),
      ),
      status,
    );
    const item = h("li", { class: "target", "data-testid": "target", "data-character-id": character.characterId }, button, meter.element);
    return { character, item, button, meter, status };
  }

  return {
    element,
    selected: () => (selectedId === undefined ? undefined : rows.get(selectedId)?.character),
    update(characters) {
      const seen = new Set<string>();
      const ordered = [...characters].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === CharacterKind.TRAINING_TARGET ? -1 : 1));
      for (const [index, character] of ordered.entries()) {
        seen.add(character.characterId);
        let row = rows.get(character.characterId);
        if (row === undefined) {
          row = createRow(character);
          rows.set(character.characterId, row);
        }
        row.character = character;
        paint(row);
        // Move a row only when it is out of place: moving a node takes focus away from it.
        if (list.children[index] !== row.item) list.insertBefore(row.item, list.children[index] ?? null);
      }
      for (const [id, row] of rows) {
        if (!seen.has(id)) {
          row.item.remove();
          rows.delete(id);
        }
      }
      empty.hidden = rows.size > 0;
      if (selectedId !== undefined && !rows.has(selectedId)) selectedId = undefined;
      const firstStanding = ordered.find((c) => c.kind === CharacterKind.TRAINING_TARGET && !c.defeated);
      if (selectedId === undefined && firstStanding !== undefined) select(firstStanding.characterId);
    },
    setHealth(characterId, health, defeated) {
      const row = rows.get(characterId);
      if (row === undefined) return;
      row.character = { ...row.character, defeated, stats: row.character.stats === undefined ? undefined : { ...row.character.stats, health } };
      paint(row);
    },
  };
}
