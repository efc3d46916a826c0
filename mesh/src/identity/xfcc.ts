import { SvidError } from "./svid-error.js";
import { parseSpiffeId, type SpiffeId } from "./spiffe-id.js";

/** One element of Envoy's x-forwarded-client-cert header: key → values (URI may repeat). */
export type XfccElement = Record<string, string[]>;

/**
 * Parses Envoy's `x-forwarded-client-cert`: elements separated by commas,
 * key=value pairs by semicolons, values optionally double-quoted with
 * backslash escapes (needed for Subject, which contains commas).
 */
export function parseXfcc(header: string): XfccElement[] {
  const elements: XfccElement[] = [];
  let element: XfccElement = {};
  let key = "";
  let value = "";
  let inKey = true;
  let quoted = false;
  const flushPair = () => {
    if (key.trim() === "") {
      if (value.trim() !== "") throw new SvidError("malformed-xfcc", "x-forwarded-client-cert has a value without a key");
      return;
    }
    const name = key.trim();
    (element[name] ??= []).push(value);
    key = "";
    value = "";
    inKey = true;
  };
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted) {
      if (c === "\\" && i + 1 < header.length) value += header[++i];
      else if (c === '"') quoted = false;
      else value += c;
    } else if (c === '"' && !inKey) {
      quoted = true;
    } else if (c === "=" && inKey) {
      inKey = false;
    } else if (c === ";") {
      flushPair();
    } else if (c === ",") {
      flushPair();
      elements.push(element);
      element = {};
    } else if (inKey) {
      key += c;
    } else {
      value += c;
    }
  }
  if (quoted) throw new SvidError("malformed-xfcc", "x-forwarded-client-cert has an unterminated quote");
  flushPair();
  elements.push(element);
  return elements.filter((e) => Object.keys(e).length > 0);
}

/**
 * The immediate peer's identity in sidecar mode: Envoy appends the element
 * for the peer it authenticated last, so only the last element is trusted,
 * and it must carry exactly one URI. The header is only trustworthy because
 * in sidecar mode the app listens on loopback where only Envoy reaches it;
 * in native mode the mesh ignores it.
 */
export function callerFromXfcc(header: string, trustDomain: string): SpiffeId {
  const last = parseXfcc(header).at(-1);
  const uris = last?.URI ?? [];
  if (uris.length === 0) throw new SvidError("no-uri-san", "x-forwarded-client-cert names no URI for the peer");
  if (uris.length > 1) throw new SvidError("multiple-uri-sans", "x-forwarded-client-cert names more than one URI for the peer");
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uris[0]!);
  } catch (error) {
    throw new SvidError("malformed-id", (error as Error).message);
  }
  if (id.trustDomain !== trustDomain) throw new SvidError("wrong-trust-domain", `SPIFFE ID ${id.uri} is not in trust domain ${trustDomain}`);
  return id;
}
