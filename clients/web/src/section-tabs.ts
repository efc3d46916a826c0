import { h } from "./dom.js";

/** One page of the tabs: its tab's label and the element it shows. */
export interface Section {
  readonly id: string;
  readonly label: string;
  readonly panel: HTMLElement;
}

/** Tabs over sections of the page (battle, trade, guild); one is shown at a time. */
export interface SectionTabs {
  readonly element: HTMLElement;
  /** Shows the section `id`. */
  show(id: string): void;
  /** The count shown on a tab (offers waiting, invites); 0 hides it. */
  setBadge(id: string, count: number): void;
}

/**
 * Creates the tabs (WAI-ARIA tabs pattern: arrow keys move between tabs). The
 * sections stay in the page while hidden, so their timers keep the badges current.
 */
export function createSectionTabs(sections: readonly Section[], initial: string, onShow: (id: string) => void = () => undefined): SectionTabs {
  const tabs = new Map<string, { readonly label: string; readonly tab: HTMLButtonElement; readonly badge: HTMLElement; readonly panel: HTMLElement }>();
  const tablist = h("div", { class: "section-tabs", role: "tablist", "aria-label": "Sections" });
  const panels = h("div", { class: "section-panels" });
  for (const section of sections) {
    const badge = h("span", { class: "tab-badge", hidden: true, "data-testid": `tab-badge-${section.id}` });
    const tab = h(
      "button",
      { type: "button", role: "tab", id: `tab-${section.id}`, class: "section-tab", "aria-controls": `panel-${section.id}`, "data-testid": `tab-${section.id}` },
      h("span", {}, section.label),
      badge,
    );
    tab.addEventListener("click", () => show(section.id));
    const panel = h("div", { role: "tabpanel", id: `panel-${section.id}`, "aria-labelledby": tab.id, class: "section-panel" }, section.panel);
    tabs.set(section.id, { label: section.label, tab, badge, panel });
    tablist.append(tab);
    panels.append(panel);
  }
  tablist.addEventListener("keydown", (event) => {
    const ids = [...tabs.keys()];
    const current = ids.findIndex((id) => tabs.get(id)?.tab === document.activeElement);
    if (current < 0) return;
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = ids[(current + step + ids.length) % ids.length];
    if (next === undefined) return;
    show(next);
    tabs.get(next)?.tab.focus();
  });

  function show(id: string) {
    for (const [tabId, { tab, panel }] of tabs) {
      const selected = tabId === id;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panel.hidden = !selected;
    }
    onShow(id);
  }

  show(tabs.has(initial) ? initial : (sections[0]?.id ?? ""));
  return {
    element: h("div", { class: "sections" }, tablist, panels),
    show,
    setBadge(id, count) {
      const entry = tabs.get(id);
      if (entry === undefined) return;
      entry.badge.textContent = count > 0 ? String(count) : "";
      entry.badge.hidden = count <= 0;
      if (count > 0) entry.tab.setAttribute("aria-label", `${entry.label}, ${count} waiting`);
      else entry.tab.removeAttribute("aria-label");
    },
  };
}
