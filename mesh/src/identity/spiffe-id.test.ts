import { describe, expect, it } from "vitest";
import { parseSpiffeId, spiffeIdFor } from "./spiffe-id.js";

describe("spiffeIdFor", () => {
  it("names a service in the default trust domain and namespace", () => {
    expect(spiffeIdFor("combat")).toEqual({
      trustDomain: "chaos.world",
      namespace: "chaos",
      serviceAccount: "combat",
      uri: "spiffe://chaos.world/ns/chaos/sa/combat",
    });
  });

  it("honours another trust domain and namespace", () => {
    expect(spiffeIdFor("ledger", { trustDomain: "staging.chaos.world", namespace: "economy" }).uri).toBe(
      "spiffe://staging.chaos.world/ns/economy/sa/ledger",
    );
  });

  it("refuses a service name that cannot be a path segment", () => {
    expect(() => spiffeIdFor("Combat")).toThrow(/invalid SPIFFE service account "Combat"/);
    expect(() => spiffeIdFor("../ca")).toThrow(/invalid SPIFFE service account "..\/ca"/);
    expect(() => spiffeIdFor("combat", { namespace: "a/sa/b" })).toThrow(/invalid SPIFFE namespace "a\/sa\/b"/);
  });
});

describe("parseSpiffeId", () => {
  it("round-trips what spiffeIdFor produces", () => {
    const id = spiffeIdFor("match-maker_2.v1");
    expect(parseSpiffeId(id.uri)).toEqual(id);
  });

  it.each([
    ["another scheme", "https://chaos.world/ns/chaos/sa/combat"],
    ["an uppercase scheme", "SPIFFE://chaos.world/ns/chaos/sa/combat"],
    ["an uppercase trust domain", "spiffe://Chaos.World/ns/chaos/sa/combat"],
    ["an uppercase segment", "spiffe://chaos.world/ns/chaos/sa/Combat"],
    ["a port", "spiffe://chaos.world:8443/ns/chaos/sa/combat"],
    ["user info", "spiffe://admin@chaos.world/ns/chaos/sa/combat"],
    ["a query", "spiffe://chaos.world/ns/chaos/sa/combat?x=1"],
    ["a fragment", "spiffe://chaos.world/ns/chaos/sa/combat#x"],
    ["a trailing slash", "spiffe://chaos.world/ns/chaos/sa/combat/"],
    ["an extra segment", "spiffe://chaos.world/ns/chaos/sa/combat/extra"],
    ["another layout", "spiffe://chaos.world/combat"],
    ["swapped keywords", "spiffe://chaos.world/sa/chaos/ns/combat"],
    ["an empty segment", "spiffe://chaos.world/ns//sa/combat"],
    ["a dot-dot segment", "spiffe://chaos.world/ns/chaos/sa/.."],
    ["a percent-encoded character", "spiffe://chaos.world/ns/chaos/sa/com%62at"],
    ["a space", "spiffe://chaos.world/ns/chaos/sa/com bat"],
    ["no trust domain", "spiffe:///ns/chaos/sa/combat"],
    ["surrounding whitespace", " spiffe://chaos.world/ns/chaos/sa/combat"],
    ["a trailing newline", "spiffe://chaos.world/ns/chaos/sa/combat\n"],
    ["an overlong ID", `spiffe://chaos.world/ns/chaos/sa/${"a".repeat(2048)}`],
  ])("rejects %s", (_, uri) => {
    expect(() => parseSpiffeId(uri)).toThrow(Error);
  });

  it("says what is wrong", () => {
    expect(() => parseSpiffeId("spiffe://chaos.world:8443/ns/chaos/sa/combat")).toThrow(/trust domain "chaos.world:8443"/);
    expect(() => parseSpiffeId("https://chaos.world/x")).toThrow(/spiffe:\/\/<domain>\/ns\/<ns>\/sa\/<sa>/);
  });
});
