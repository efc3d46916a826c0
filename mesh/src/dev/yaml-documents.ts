/** A JSON-like value of a rendered Kubernetes resource; `undefined` members are left out. */
export type YamlValue = string | number | boolean | readonly YamlValue[] | YamlObject;
/** A mapping of a rendered resource, emitted in insertion order. */
export interface YamlObject {
  readonly [key: string]: YamlValue | undefined;
}

/**
 * Block-style YAML of `documents`, separated by `---`, keys in insertion
 * order, one trailing newline: deterministic, so generated files diff
 * cleanly. Strings are plain only when no YAML reading could take them for
 * something else (a number, a boolean, null, a key, a comment); the rest are
 * double-quoted (JSON's escapes are YAML's). Hand-written instead of a YAML
 * library so the renderers stay dependency-free; the tests parse the output
 * back with one.
 */
export function renderYamlDocuments(documents: readonly YamlObject[]): string {
  return documents.map((document) => mapping(document, 0).join("\n")).join("\n---\n") + "\n";
}

function mapping(object: YamlObject, indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    const [first, ...rest] = nested(value, indent + 2);
    lines.push(`${pad}${scalar(key)}:${first}`, ...rest);
  }
  return lines;
}

/** A value after "key:" or "-": its first line's tail (" scalar", or "" when it continues on the next lines) and those lines. */
function nested(value: YamlValue, indent: number): string[] {
  if (typeof value !== "object") return [` ${scalar(value)}`];
  if (isList(value)) return value.length === 0 ? [" []"] : ["", ...sequence(value, indent)];
  const lines = mapping(value, indent);
  return lines.length === 0 ? [" {}"] : ["", ...lines];
}

function sequence(items: readonly YamlValue[], indent: number): string[] {
  const pad = " ".repeat(indent);
  return items.flatMap((item) => {
    if (typeof item !== "object") return [`${pad}- ${scalar(item)}`];
    if (isList(item)) throw new Error("a list directly inside a list is not rendered (Kubernetes resources have none)");
    const lines = mapping(item, indent + 2);
    if (lines.length === 0) return [`${pad}- {}`];
    // The item's first key shares the line of its dash.
    return [`${pad}- ${lines[0]!.slice(indent + 2)}`, ...lines.slice(1)];
  });
}

function isList(value: readonly YamlValue[] | YamlObject): value is readonly YamlValue[] {
  return Array.isArray(value);
}

// Safe as plain scalars: start with a letter or "/", no spaces, no indicator characters, not ending in ":";
// or a quantity or duration, digits then letters only ("512Mi", "10s"), which no YAML reads as a number.
const plainString = /^(?:[A-Za-z/][A-Za-z0-9_./:=@+-]*|[0-9]+[A-Za-z]+)$/;
// YAML 1.1 and 1.2 read these as booleans or null.
const reserved = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

function scalar(value: string | number | boolean): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} is not a YAML number Kubernetes accepts`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  return plainString.test(value) && !reserved.test(value) && !value.endsWith(":") ? value : JSON.stringify(value);
}
