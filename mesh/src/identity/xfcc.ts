import { SvidError, singleSpiffeId } from "./svid-error.js";
import type { SpiffeId } from "./spiffe-id.js";

/**
 * One element of Envoy's `x-forwarded-client-cert` header: what one proxy
 * says about the client certificate it saw. Keys are as Envoy writes them —
 * By, Hash, Cert, Chain, Subject, URI, DNS — each with its values in header
 * order, because URI and DNS repeat when the certificate has several SANs.
 */
export type XfccElement = Record<string, string[]>;

const keyPattern = /^[A-Za-z]+$/;

/**
 * Parses Envoy's `x-forwarded-client-cert`: elements separated by commas,
 * key=value pairs by semicolons, a value either bare or double-quoted with
 * backslash escapes (Subject is quoted because it contains commas). Throws
 * {@link SvidError} "malformed-xfcc" rather than guessing at a header that
 * does not follow this grammar.
 */
export function parseXfcc(header: string): XfccElement[] {
  const elements: XfccElement[] = [];
  if (header.trim() === "") return elements;
  let element: XfccElement = {};
  let at = 0;
  for (;;) {
    const equals = header.indexOf("=", at);
    if (equals < 0) throw malformed(`a pair without "=" at offset ${at}`);
    const key = header.slice(at, equals).trim();
    if (!keyPattern.test(key)) throw malformed(`invalid key "${key}"`);
    let value = "";
    at = equals + 1;
    if (header[at] === '"') {
      for (at++; ; at++) {
        if (at >= header.length) throw malformed("an unterminated quoted value");
        const c = header[at]!;
        if (c === '"') break;
        if (c === "\\") {
          at++;
          if (at >= header.length) throw malformed("an unterminated quoted value");
        }
        value += header[at];
      }
      at++;
      while (header[at] === " ") at++;
    } else {
      const end = firstOf(header, at, ";,");
      value = header.slice(at, end).trim();
      if (value.includes('"')) throw malformed(`a quote inside the bare value of ${key}`);
      at = end;
    }
    (element[key] ??= []).push(value);
    if (at >= header.length) break;
    const separator = header[at];
    if (separator !== ";" && separator !== ",") throw malformed(`unexpected "${separator}" after the value of ${key}`);
    if (separator === ",") {
      elements.push(element);
      element = {};
    }
    at++;
    if (at >= header.length) throw malformed(`nothing after the final "${separator}"`);
  }
  elements.push(element);
  return elements;
}

/**
 * The immediate peer's identity in sidecar mode. Envoy appends the element
 * for the peer it authenticated, so only the last element is about our
 * caller; earlier ones were written by hops we cannot vouch for. It must
 * carry exactly one URI, a SPIFFE ID of `trustDomain`.
 *
 * Trust this header only in sidecar mode, where the app listens on loopback
 * behind Envoy and Envoy sanitizes the header. In native mode anyone could
 * send it, so the server strips it and identifies callers by their
 * certificate instead.
 */
export function callerFromXfcc(header: string, trustDomain: string): SpiffeId {
  const last = parseXfcc(header).at(-1);
  return singleSpiffeId(last?.URI ?? [], trustDomain, {
    none: "x-forwarded-client-cert names no URI for the immediate peer",
    many: (count) => `x-forwarded-client-cert names ${count} URIs for the immediate peer; an SVID has exactly one`,
  });
}

function firstOf(text: string, from: number, characters: string): number {
  for (let i = from; i < text.length; i++) if (characters.includes(text[i]!)) return i;
  return text.length;
}

function malformed(what: string): SvidError {
  return new SvidError("malformed-xfcc", `x-forwarded-client-cert is malformed: ${what}`);
}
