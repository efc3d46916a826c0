import { h } from "./dom.js";

/** A labelled bar (health, mana, experience) exposed to assistive tech as a progressbar. */
export interface Meter {
  readonly element: HTMLElement;
  set(value: number, max: number, text?: string): void;
}

/** Creates a meter; `kind` picks its colour (health, mana, xp). */
export function createMeter(kind: "health" | "mana" | "xp", label: string, testId?: string): Meter {
  const fill = h("span", { class: "meter-fill" });
  const caption = h("span", { class: "meter-text" });
  const element = h(
    "div",
    { class: `meter meter-${kind}`, role: "progressbar", "aria-label": label, "aria-valuemin": 0, "data-testid": testId },
    fill,
    caption,
  );
  return {
    element,
    set(value, max, text) {
      const fraction = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
      fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      element.setAttribute("aria-valuemax", String(max));
      element.setAttribute("aria-valuenow", String(value));
      caption.textContent = text ?? `${value} / ${max}`;
      element.classList.toggle("meter-low", fraction > 0 && fraction <= 0.25);
      element.classList.toggle("meter-empty", fraction === 0);
    },
  };
}
