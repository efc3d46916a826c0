/** Something that owns timers or streams and must be told when it is no longer needed. */
export interface Disposable {
  dispose(): void;
}

/** A piece of the page that owns timers or streams and must be told when it leaves the page. */
export interface View extends Disposable {
  readonly element: HTMLElement;
}

type AttributeValue = string | number | boolean | undefined;
type Child = Node | string | null | undefined | false;

/**
 * Creates an element. Attributes named `on<event>` become listeners; `true`
 * sets a boolean attribute, `false`/`undefined` leaves it out. Text is always
 * set as text, never parsed as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue | ((event: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value));
  }
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
  return element;
}

/** A labelled form field: every input has a <label>, which is also how assistive tech and the e2e test find it. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = control.id || `field-${(nextFieldId++).toString(36)}`;
  control.id = id;
  const hintElement = hint === undefined ? undefined : h("small", { class: "hint", id: `${id}-hint` }, hint);
  if (hintElement !== undefined) control.setAttribute("aria-describedby", hintElement.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintElement);
}

let nextFieldId = 1;

/** Creates an SVG element (maps, charts): attributes set as given, text as text. */
export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number | undefined> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}
