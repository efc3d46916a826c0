import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAuthorizer, loadPolicyFile, parsePolicy } from "./policy.js";

const policy = parsePolicy({
  trustDomain: "chaos.world",
  namespace: "chaos",
  services: {
    combat: {
      allow: [
        { callers: ["gateway"], methods: ["/chaos.combat.v1.CombatService/CastSpell"] },
        { callers: ["matchmaker", "gateway"], methods: ["/chaos.combat.v1.MatchService/*"] },
      ],
    },
    ledger: { allow: [] },
  },
});
const authorizer = createAuthorizer(policy);
const id = (service: string, trustDomain = "chaos.world", namespace = "chaos") => `spiffe://${trustDomain}/ns/${namespace}/sa/${service}`;

describe("createAuthorizer", () => {
  it("allows a listed caller the listed method and names the caller", () => {
    expect(authorizer.decide("combat", id("gateway"), "/chaos.combat.v1.CombatService/CastSpell")).toEqual({ allowed: true, caller: "gateway" });
  });

  it("denies the same caller a method the rule does not list", () => {
    const decision = authorizer.decide("combat", id("gateway"), "/chaos.combat.v1.CombatService/GrantGold");
    expect(decision).toEqual({ allowed: false, reason: "no rule allows gateway to call /chaos.combat.v1.CombatService/GrantGold on combat" });
  });

  it("denies an unlisted caller, and a listed caller on another target", () => {
    expect(authorizer.decide("combat", id("matchmaker"), "/chaos.combat.v1.CombatService/CastSpell").allowed).toBe(false);
    expect(authorizer.decide("ledger", id("gateway"), "/chaos.combat.v1.CombatService/CastSpell").allowed).toBe(false);
  });

  it("lets a /pkg.Service/* entry cover every method of that service, and only one path segment of it", () => {
    expect(authorizer.decide("combat", id("matchmaker"), "/chaos.combat.v1.MatchService/StartMatch")).toEqual({ allowed: true, caller: "matchmaker" });
    expect(authorizer.decide("combat", id("gateway"), "/chaos.combat.v1.MatchService/EndMatch").allowed).toBe(true);
    expect(authorizer.decide("combat", id("matchmaker"), "/chaos.combat.v1.MatchServiceAdmin/StartMatch").allowed).toBe(false);
    expect(authorizer.decide("combat", id("matchmaker"), "/chaos.combat.v1.MatchService/StartMatch/extra").allowed).toBe(false);
    expect(authorizer.decide("combat", id("matchmaker"), "/chaos.combat.v1.MatchService/").allowed).toBe(false);
  });

  it("denies a caller of another trust domain or namespace, even with a listed name", () => {
    const otherDomain = authorizer.decide("combat", id("gateway", "evil.example"), "/chaos.combat.v1.CombatService/CastSpell");
    expect(otherDomain).toEqual({ allowed: false, reason: "caller is in trust domain evil.example, not chaos.world" });
    const otherNamespace = authorizer.decide("combat", id("gateway", "chaos.world", "staging"), "/chaos.combat.v1.CombatService/CastSpell");
    expect(otherNamespace).toEqual({ allowed: false, reason: "caller is in namespace staging, not chaos" });
  });

  it("denies a call without a caller identity, or with one that is not a SPIFFE ID", () => {
    expect(authorizer.decide("combat", undefined, "/chaos.combat.v1.CombatService/CastSpell")).toEqual({ allowed: false, reason: "no caller identity" });
    expect(authorizer.decide("combat", "spiffe://chaos.world/gateway", "/chaos.combat.v1.CombatService/CastSpell")).toEqual({ allowed: false, reason: "malformed caller identity" });
    expect(authorizer.decide("combat", "https://chaos.world/ns/chaos/sa/gateway", "/chaos.combat.v1.CombatService/CastSpell").allowed).toBe(false);
  });

  it("denies everything, health included, on a target the policy does not list", () => {
    expect(authorizer.decide("bank", id("gateway"), "/chaos.combat.v1.CombatService/CastSpell")).toEqual({ allowed: false, reason: "target bank is not in the policy" });
    expect(authorizer.decide("bank", id("gateway"), "/grpc.health.v1.Health/Check").allowed).toBe(false);
  });

  it("allows health and reflection to any workload of the namespace on every listed target, even one with no rules", () => {
    for (const method of ["/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"]) {
      expect(authorizer.decide("ledger", id("prober"), method)).toEqual({ allowed: true, caller: "prober" });
    }
    expect(authorizer.decide("ledger", id("prober", "evil.example"), "/grpc.health.v1.Health/Check").allowed).toBe(false);
    expect(authorizer.decide("ledger", undefined, "/grpc.health.v1.Health/Check").allowed).toBe(false);
  });
});

describe("parsePolicy", () => {
  const valid = { trustDomain: "chaos.world", namespace: "chaos", services: { combat: { allow: [{ callers: ["gateway"], methods: ["/chaos.combat.v1.CombatService/*"] }] } } };
  const withRule = (rule: unknown) => ({ ...valid, services: { combat: { allow: [{ callers: ["gateway"], methods: ["/chaos.combat.v1.CombatService/*"] }, rule] } } });

  it("keeps a valid policy as given", () => {
    expect(parsePolicy(valid)).toEqual(valid);
  });

  it.each([
    ["a method that is not fully qualified", withRule({ callers: ["gateway"], methods: ["/chaos.combat.v1.CombatService/Ok", "CastSpell"] }), 'services.combat.allow[1].methods[1]: "CastSpell" is not of the form /package.Service/Method'],
    ["a method without a package", withRule({ callers: ["gateway"], methods: ["/CombatService/CastSpell"] }), 'services.combat.allow[1].methods[0]: "/CombatService/CastSpell" is not of the form'],
    ["a wildcard over every service", withRule({ callers: ["gateway"], methods: ["/*"] }), 'services.combat.allow[1].methods[0]: "/*" is not of the form'],
    ["a caller given as a SPIFFE ID", withRule({ callers: ["spiffe://chaos.world/ns/chaos/sa/gateway"], methods: ["/a.B/C"] }), "services.combat.allow[1].callers[0]:"],
    ["an empty caller list", withRule({ callers: [], methods: ["/a.B/C"] }), "services.combat.allow[1].callers: must not be empty"],
    ["a missing method list", withRule({ callers: ["gateway"] }), "services.combat.allow[1].methods: is required"],
    ["an unknown key, such as a deny list", withRule({ callers: ["gateway"], methods: ["/a.B/C"], deny: ["/a.B/D"] }), 'services.combat.allow[1]: unknown key "deny"'],
    ["a service without allow", { ...valid, services: { combat: {} } }, "services.combat.allow: is required"],
    ["an uppercase service name", { ...valid, services: { Combat: { allow: [] } } }, 'services.Combat: "Combat" is not a lowercase DNS label'],
    ["services as a list", { ...valid, services: [{ allow: [] }] }, "services: must be an object"],
    ["a missing trust domain", { namespace: "chaos", services: {} }, "trustDomain: is required"],
    ["a trust domain with a scheme", { ...valid, trustDomain: "spiffe://chaos.world" }, 'trustDomain: "spiffe://chaos.world" is not a lowercase trust domain'],
    ["a non-object", "policy", "(root): must be an object"],
  ])("refuses %s, naming where", (_, json, message) => {
    expect(() => parsePolicy(json)).toThrow(message);
  });
});

describe("loadPolicyFile", () => {
  it("reads a JSON file, and names the file in its errors", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-policy-"));
    try {
      const good = path.join(dir, "good.json");
      fs.writeFileSync(good, JSON.stringify({ trustDomain: "chaos.world", namespace: "chaos", services: { echo: { allow: [] } } }));
      expect(loadPolicyFile(good).services).toEqual({ echo: { allow: [] } });
      const bad = path.join(dir, "bad.json");
      fs.writeFileSync(bad, JSON.stringify({ trustDomain: "chaos.world", namespace: "chaos", services: { echo: { allow: [{ callers: ["x"], methods: ["Echo"] }] } } }));
      expect(() => loadPolicyFile(bad)).toThrow(`${bad}: authorization policy: services.echo.allow[0].methods[0]`);
      const broken = path.join(dir, "broken.json");
      fs.writeFileSync(broken, "{ not json");
      expect(() => loadPolicyFile(broken)).toThrow(`cannot read authorization policy ${broken}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
