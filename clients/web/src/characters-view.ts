import type { Character } from "@chaos/gen/chaos/player/v1/character_pb.js";
import type { Api } from "./api.js";
import { characterClasses, className } from "./character-class.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import type { CharacterNames } from "./names.js";

/** The characters panel; `setLevel` keeps a character's shown level current as it progresses. */
export interface CharactersView extends View {
  setLevel(characterId: string, level: number): void;
}

/** The player's characters: pick one to play, or create a new one (which is then picked). */
export function createCharactersView(api: Api, names: CharacterNames, onPick: (character: Character) => void): CharactersView {
  let characters: Character[] = [];
  let pickedId: string | undefined;
  const list = h("ul", { class: "character-list", "data-testid": "character-list", "aria-label": "Your characters" });
  const listAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "characters-error" });

  const name = h("input", { type: "text", name: "character-name", required: true, pattern: "[A-Za-z][A-Za-z0-9_]{2,15}", maxlength: 16, autocomplete: "off" });
  const characterClass = h("select", { name: "character-class" }, ...characterClasses.map(([value, label]) => h("option", { value }, label)));
  const createAlert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "create-character-error" });
  const create = h("button", { type: "submit", class: "primary" }, "Create character");
  const form = h(
    "form",
    { class: "stack create-character", "data-testid": "create-character" },
    h("h3", {}, "New character"),
    field("Character name", name, "3–16 letters, digits or _, starting with a letter."),
    field("Class", characterClass),
    createAlert,
    create,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    create.disabled = true;
    api.player
      .createCharacter({ name: name.value.trim(), characterClass: Number(characterClass.value) })
      .then(({ character }) => {
        if (character === undefined) return;
        showProblem(createAlert, undefined);
        name.value = "";
        characters = [...characters, character];
        pick(character);
      })
      .catch((error: unknown) => showProblem(createAlert, error))
      .finally(() => {
        create.disabled = false;
      });
  });

  const element = h(
    "section",
    { class: "panel characters", "aria-labelledby": "characters-title" },
    h("h2", { id: "characters-title" }, "Characters"),
    listAlert,
    list,
    form,
  );

  function pick(character: Character) {
    pickedId = character.characterId;
    render();
    onPick(character);
  }

  function render() {
    for (const c of characters) names.remember(c.characterId, c.name);
    list.replaceChildren(
      ...(characters.length === 0
        ? [h("li", { class: "muted empty" }, "No characters yet. Create your first below.")]
        : characters.map((c) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  class: "character",
                  "aria-pressed": String(c.characterId === pickedId),
                  "data-testid": "character",
                  onclick: () => pick(c),
                },
                h("span", { class: "character-name" }, c.name),
                h("span", { class: "character-meta" }, `Level ${c.stats?.level ?? 1} ${className(c.characterClass)}`),
              ),
            ),
          )),
    );
  }

  api.player
    .listMyCharacters({})
    .then((response) => {
      characters = response.characters;
      render();
      const only = characters.length === 1 ? characters[0] : undefined;
      if (only !== undefined && pickedId === undefined) pick(only);
    })
    .catch((error: unknown) => showProblem(listAlert, error));

  render();
  return {
    element,
    dispose: () => undefined,
    setLevel(characterId, level) {
      const character = characters.find((c) => c.characterId === characterId);
      if (character?.stats === undefined || character.stats.level === level) return;
      character.stats.level = level;
      render();
    },
  };
}
