import type { AuthorizationPolicy } from "./policy.js";
import { infrastructureMethods } from "./policy.js";

/**
 * Renders the policy as Istio `security.istio.io/v1` AuthorizationPolicies:
 * a namespace-wide allow-nothing policy (Istio's deny by default: an ALLOW
 * policy with an empty spec matches no request), then one ALLOW policy per
 * target service whose rules are the policy's, with principals in Istio's
 * form (`<trust domain>/ns/<ns>/sa/<name>`) and gRPC paths as operations.
 * Deterministic output, so the generated files diff cleanly.
 */
export function renderIstioAuthorizationPolicies(policy: AuthorizationPolicy): string {
  const principal = (name: string) => `${policy.trustDomain}/ns/${policy.namespace}/sa/${name}`;
  const documents: string[] = [
    [
      "apiVersion: security.istio.io/v1",
      "kind: AuthorizationPolicy",
      "metadata:",
      "  name: allow-nothing",
      `  namespace: ${policy.namespace}`,
      "spec: {}",
    ].join("\n"),
  ];
  for (const target of Object.keys(policy.services).sort()) {
    const lines = [
      "apiVersion: security.istio.io/v1",
      "kind: AuthorizationPolicy",
      "metadata:",
      `  name: ${target}`,
      `  namespace: ${policy.namespace}`,
      "spec:",
      "  selector:",
      "    matchLabels:",
      `      app: ${target}`,
      "  action: ALLOW",
      "  rules:",
      "    # Probes and operators: health and reflection for any workload of the mesh.",
      "    - from:",
      "        - source:",
      `            principals: ["${policy.trustDomain}/ns/${policy.namespace}/sa/*"]`,
      "      to:",
      "        - operation:",
      `            paths: [${infrastructureMethods.map((m) => `"${m}"`).join(", ")}]`,
    ];
    for (const rule of policy.services[target]!.allow) {
      lines.push(
        "    - from:",
        "        - source:",
        `            principals: [${[...rule.callers].sort().map((c) => `"${principal(c)}"`).join(", ")}]`,
        "      to:",
        "        - operation:",
        `            paths: [${rule.methods.map((m) => `"${m}"`).join(", ")}]`,
      );
    }
    documents.push(lines.join("\n"));
  }
  return `${documents.join("\n---\n")}\n`;
}
