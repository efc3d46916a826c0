import { describe, expect, it } from "vitest";
import { SvidError, type SvidErrorReason } from "./svid-error.js";
import { callerFromXfcc, parseXfcc } from "./xfcc.js";

// As Istio's Envoy writes it: the hash of the client certificate, its subject (quoted: it has commas) and its URI SAN.
const gatewayElement =
  'By=spiffe://chaos.world/ns/chaos/sa/combat;Hash=4b7c9e1f;Subject="CN=gateway,O=Chaos World";URI=spiffe://chaos.world/ns/chaos/sa/gateway';

function reasonOf(run: () => unknown): SvidErrorReason | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SvidError) return error.reason;
    throw error;
  }
  return undefined;
}

describe("parseXfcc", () => {
  it("parses one element with a quoted value containing commas", () => {
    expect(parseXfcc(gatewayElement)).toEqual([
      {
        By: ["spiffe://chaos.world/ns/chaos/sa/combat"],
        Hash: ["4b7c9e1f"],
        Subject: ["CN=gateway,O=Chaos World"],
        URI: ["spiffe://chaos.world/ns/chaos/sa/gateway"],
      },
    ]);
  });

  it("undoes backslash escapes in quoted values", () => {
    expect(parseXfcc('Subject="CN=\\"quoted\\", O=a\\\\b";DNS=x')).toEqual([{ Subject: ['CN="quoted", O=a\\b'], DNS: ["x"] }]);
  });

  it("splits elements and keeps every URI and DNS in order", () => {
    const elements = parseXfcc(
      `By=spiffe://a/ns/x/sa/edge;URI=spiffe://a/ns/x/sa/one;URI=spiffe://a/ns/x/sa/two;DNS=one.local;DNS=two.local,${gatewayElement}`,
    );
    expect(elements).toHaveLength(2);
    expect(elements[0]!.URI).toEqual(["spiffe://a/ns/x/sa/one", "spiffe://a/ns/x/sa/two"]);
    expect(elements[0]!.DNS).toEqual(["one.local", "two.local"]);
    expect(elements[1]!.Subject).toEqual(["CN=gateway,O=Chaos World"]);
  });

  it("keeps Cert and Chain values, which Envoy URL-encodes, as written", () => {
    expect(parseXfcc('Cert="-----BEGIN%20CERTIFICATE-----%0AMIIB";Chain="-----BEGIN%20CERTIFICATE-----"')[0]!.Cert).toEqual([
      "-----BEGIN%20CERTIFICATE-----%0AMIIB",
    ]);
  });

  it("returns nothing for an empty header", () => {
    expect(parseXfcc("")).toEqual([]);
  });

  it.each([
    ["a pair without =", "By=a;URI"],
    ["an unterminated quote", 'Subject="CN=a,O=b;URI=spiffe://chaos.world/ns/chaos/sa/gateway'],
    ["text after a closing quote", 'Subject="CN=a"x;URI=u'],
    ["a quote inside a bare value", 'URI=spiffe://a"b'],
    ["an invalid key", "U RI=x"],
    ["a trailing separator", "URI=x;"],
  ])("rejects %s", (_, header) => {
    expect(reasonOf(() => parseXfcc(header))).toBe("malformed-xfcc");
  });
});

describe("callerFromXfcc", () => {
  it("returns the SPIFFE ID of the last element, the immediate peer", () => {
    const header = `URI=spiffe://chaos.world/ns/chaos/sa/forged,${gatewayElement}`;
    expect(callerFromXfcc(header, "chaos.world")).toEqual({
      trustDomain: "chaos.world",
      namespace: "chaos",
      serviceAccount: "gateway",
      uri: "spiffe://chaos.world/ns/chaos/sa/gateway",
    });
  });

  it.each<[SvidErrorReason, string]>([
    ["no-uri-san", "By=spiffe://chaos.world/ns/chaos/sa/combat;Hash=ab"],
    ["no-uri-san", `${gatewayElement},Hash=ab`],
    ["no-uri-san", ""],
    ["multiple-uri-sans", "URI=spiffe://chaos.world/ns/chaos/sa/a;URI=spiffe://chaos.world/ns/chaos/sa/b"],
    ["wrong-trust-domain", "URI=spiffe://evil.world/ns/chaos/sa/gateway"],
    ["malformed-id", "URI=spiffe://chaos.world/gateway"],
    ["malformed-xfcc", 'URI="spiffe://chaos.world/ns/chaos/sa/gateway'],
  ])("refuses with %s: %s", (reason, header) => {
    expect(reasonOf(() => callerFromXfcc(header, "chaos.world"))).toBe(reason);
  });
});
