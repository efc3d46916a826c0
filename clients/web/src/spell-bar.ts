import { School, type Spell } from "@chaos/gen/chaos/combat/v1/spell_pb.js";
import { h } from "./dom.js";
import { durationMs } from "./time.js";

/** One button per spell, each showing its mana cost and a live cooldown countdown. */
export interface SpellBar {
  readonly element: HTMLElement;
  setSpells(spells: readonly Spell[]): void;
  /** The spell is not castable for `remainingMs` from now (0 makes it ready). */
  setCooldown(spellId: string, remainingMs: number): void;
  /** Whether casting makes sense at all (a target is selected, no cast in flight). */
  setReady(ready: boolean): void;
  dispose(): void;
}

interface SpellButton {
  readonly spell: Spell;
  readonly button: HTMLButtonElement;
  readonly countdown: HTMLElement;
  readyAt: number;
}

const schoolClass: Partial<Record<School, string>> = {
  [School.FIRE]: "school-fire",
  [School.FROST]: "school-frost",
  [School.ARCANE]: "school-arcane",
  [School.HOLY]: "school-holy",
  [School.PHYSICAL]: "school-physical",
};

/** Creates the bar; `onCast` is called when a ready spell's button is pressed. */
export function createSpellBar(onCast: (spell: Spell) => void): SpellBar {
  const buttons = new Map<string, SpellButton>();
  const element = h("div", { class: "spell-bar", role: "group", "aria-label": "Spells", "data-testid": "spell-bar" });
  let ready = false;
  let ticker: number | undefined;

  function paint(now: number) {
    let cooling = false;
    for (const entry of buttons.values()) {
      const remaining = Math.max(0, entry.readyAt - now);
      const total = durationMs(entry.spell.cooldown);
      cooling ||= remaining > 0;
      entry.button.disabled = !ready || remaining > 0;
      entry.button.classList.toggle("cooling", remaining > 0);
      entry.button.dataset.cooldownMs = String(Math.ceil(remaining));
      entry.button.style.setProperty("--cooldown", total > 0 ? String(Math.min(1, remaining / total)) : remaining > 0 ? "1" : "0");
      entry.countdown.textContent = remaining > 0 ? `${(remaining / 1000).toFixed(1)} s` : total > 0 ? `${(total / 1000).toFixed(0)} s cd` : "no cd";
    }
    // Tick only while something is cooling down.
    if (cooling && ticker === undefined) ticker = window.setInterval(() => paint(Date.now()), 100);
    if (!cooling && ticker !== undefined) {
      window.clearInterval(ticker);
      ticker = undefined;
    }
  }

  return {
    element,
    setSpells(spells) {
      buttons.clear();
      element.replaceChildren(
        ...spells.map((spell) => {
          const countdown = h("span", { class: "spell-cooldown", "data-testid": `cooldown-${spell.spellId}`, "aria-live": "off" });
          const button = h(
            "button",
            {
              type: "button",
              class: `spell ${schoolClass[spell.school] ?? ""}`,
              "data-testid": `spell-${spell.spellId}`,
              "aria-label": `Cast ${spell.displayName}`,
              onclick: () => onCast(spell),
            },
            h("span", { class: "spell-name" }, spell.displayName),
            h("span", { class: "spell-meta" }, `${spell.manaCost} mana · ${spell.baseDamage} dmg · ${spell.maxRange} yd`),
            countdown,
          );
          buttons.set(spell.spellId, { spell, button, countdown, readyAt: 0 });
          return button;
        }),
      );
      paint(Date.now());
    },
    setCooldown(spellId, remainingMs) {
      const entry = buttons.get(spellId);
      if (entry === undefined) return;
      entry.readyAt = Date.now() + remainingMs;
      paint(Date.now());
    },
    setReady(next) {
      ready = next;
      paint(Date.now());
    },
    dispose() {
      window.clearInterval(ticker);
    },
  };
}
