import { describe, expect, it } from "vitest";
import { renderIstioAuthorizationPolicies } from "./istio-authorization.js";
import { parsePolicy } from "../authz/policy.js";

const policy = parsePolicy({
  trustDomain: "chaos.world",
  namespace: "chaos",
  services: {
    // Listed out of order on purpose: the output is sorted.
    ledger: { allow: [] },
    combat: {
      allow: [
        { callers: ["matchmaker", "gateway"], methods: ["/chaos.combat.v1.CombatService/CastSpell", "/chaos.combat.v1.MatchService/*"] },
        { callers: ["operator"], methods: ["/chaos.combat.v1.CombatService/*"] },
      ],
    },
  },
});
const yaml = renderIstioAuthorizationPolicies(policy);
const documents = yaml.split("\n---\n");

describe("renderIstioAuthorizationPolicies", () => {
  it("emits a namespace-wide allow-nothing policy, then one policy per service in name order", () => {
    expect(documents).toHaveLength(3);
    expect(documents.map((d) => /^ {2}name: (.+)$/m.exec(d)?.[1])).toEqual(["allow-nothing", "combat", "ledger"]);
    for (const document of documents) {
      expect(document).toMatch(/^apiVersion: security\.istio\.io\/v1\nkind: AuthorizationPolicy\nmetadata:\n {2}name: [a-z-]+\n {2}namespace: chaos\n/);
    }
    // An empty spec: no selector (the whole namespace) and no rules (nothing is allowed).
    expect(documents[0]!.endsWith("\nspec: {}")).toBe(true);
  });

  it("selects the service's pods and allows exactly its rules, with Istio principals and gRPC paths", () => {
    expect(documents[1]).toBe(
      [
        "apiVersion: security.istio.io/v1",
        "kind: AuthorizationPolicy",
        "metadata:",
        "  name: combat",
        "  namespace: chaos",
        "spec:",
        "  selector:",
        "    matchLabels:",
        "      app: combat",
        "  action: ALLOW",
        "  rules:",
        "    # Probes and operators: health and reflection for any workload of the mesh.",
        "    - from:",
        "        - source:",
        '            principals: ["chaos.world/ns/chaos/sa/*"]',
        "      to:",
        "        - operation:",
        '            paths: ["/grpc.health.v1.Health/*", "/grpc.reflection.v1.ServerReflection/*", "/grpc.reflection.v1alpha.ServerReflection/*"]',
        "    - from:",
        "        - source:",
        '            principals: ["chaos.world/ns/chaos/sa/gateway", "chaos.world/ns/chaos/sa/matchmaker"]',
        "      to:",
        "        - operation:",
        '            paths: ["/chaos.combat.v1.CombatService/CastSpell", "/chaos.combat.v1.MatchService/*"]',
        "    - from:",
        "        - source:",
        '            principals: ["chaos.world/ns/chaos/sa/operator"]',
        "      to:",
        "        - operation:",
        '            paths: ["/chaos.combat.v1.CombatService/*"]',
      ].join("\n"),
    );
    expect(yaml).not.toContain("spiffe://");
  });

  it("gives a service without rules only the infrastructure rule", () => {
    expect(documents[2]!.match(/- from:/g)).toHaveLength(1);
    expect(documents[2]).toContain("app: ledger");
  });

  it("is well-formed block YAML: no tabs, even indentation, flow lists closed, one trailing newline", () => {
    expect(yaml.endsWith("]\n")).toBe(true);
    for (const line of yaml.slice(0, -1).split("\n")) {
      if (line === "---") continue;
      expect(line).not.toContain("\t");
      expect(/^( *)/.exec(line)![1]!.length % 2, line).toBe(0);
      expect(line).toMatch(/^ *(#.*|- [a-z]+:|[A-Za-z]+:( .+)?)$/);
      if (line.includes("[")) expect(line).toMatch(/: \[("[^"]+", )*"[^"]+"\]$/);
    }
  });

  it("is deterministic", () => {
    expect(renderIstioAuthorizationPolicies(policy)).toBe(yaml);
  });

  it("quotes a service name YAML would read as a number or boolean", () => {
    const odd = renderIstioAuthorizationPolicies(parsePolicy({ trustDomain: "chaos.world", namespace: "chaos", services: { on: { allow: [] }, "42": { allow: [] } } }));
    expect(odd).toContain('      app: "42"');
    expect(odd).toContain('      app: "on"');
  });

  it("admits the public edge's principal on its port only, in its service's policy only", () => {
    const edge = { service: "combat", ports: [8080, 8081], principal: "chaos.world/ns/istio-system/sa/ingress" };
    const documents = renderIstioAuthorizationPolicies(policy, { publicEdge: edge }).split("\n---\n");
    expect(documents[1]).toContain(
      ['            principals: ["chaos.world/ns/istio-system/sa/ingress"]', "      to:", "        - operation:", '            ports: ["8080", "8081"]'].join("\n"),
    );
    expect(documents[2]).not.toContain("istio-system");
    expect(() => renderIstioAuthorizationPolicies(policy, { publicEdge: { ...edge, service: "nobody" } })).toThrow(/not in the policy/);
  });
});
