import { infrastructureMethods, type AuthorizationPolicy } from "../authz/policy.js";

// Istio's deny by default: an ALLOW policy with an empty spec matches no request, so a workload of
// the namespace accepts only what some other ALLOW policy admits.
const denyAllName = "allow-nothing";

/** Options of {@link renderIstioAuthorizationPolicies}. */
export interface IstioAuthorizationOptions {
  /**
   * The public face: `principal` (Istio's form, the ingress gateway's
   * workload) may reach `service` on `ports` (its edge face, and its webhook
   * listener if it has one), whatever the path; the end-user token check and
   * the webhook signatures are the service's own. Default none.
   */
  readonly publicEdge?: { readonly service: string; readonly ports: readonly number[]; readonly principal: string };
}

/**
 * Renders the policy as Kubernetes YAML, documents separated by `---`: the
 * namespace-wide allow-nothing policy, then per target service (sorted) one
 * `security.istio.io/v1` ALLOW AuthorizationPolicy selecting `app: <service>`,
 * whose rules are the infrastructure methods for any workload of the
 * namespace, the public edge's rule (options.publicEdge), then the policy's
 * rules. Principals use Istio's form (`<trust domain>/ns/<ns>/sa/<name>`, no
 * `spiffe://`); gRPC paths are the operations, where Istio reads
 * "/pkg.Service/*" as a prefix match. Written as plain strings in a fixed
 * order, so the generated files diff cleanly.
 */
export function renderIstioAuthorizationPolicies(policy: AuthorizationPolicy, options: IstioAuthorizationOptions = {}): string {
  const principal = (name: string) => `${policy.trustDomain}/ns/${policy.namespace}/sa/${name}`;
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
  const metadata = (name: string) => ["apiVersion: security.istio.io/v1", "kind: AuthorizationPolicy", "metadata:", `  name: ${plain(name)}`, `  namespace: ${plain(policy.namespace)}`];
  const rule = (principals: readonly string[], paths: readonly string[]) => [
    "    - from:",
    "        - source:",
    `            principals: ${list(principals)}`,
    "      to:",
    "        - operation:",
    `            paths: ${list(paths)}`,
  ];
  const documents = [[...metadata(denyAllName), "spec: {}"].join("\n")];
  if (options.publicEdge !== undefined && policy.services[options.publicEdge.service] === undefined) {
    throw new Error(`the public edge's service ${options.publicEdge.service} is not in the policy`);
  }
  for (const target of Object.keys(policy.services).sort()) {
    // Both would be named alike, and one would silently replace the other when applied.
    if (target === denyAllName) throw new Error(`a service named ${denyAllName} collides with the namespace's deny-all policy`);
    const edge = options.publicEdge?.service === target ? options.publicEdge : undefined;
    const lines = [
      ...metadata(target),
      "spec:",
      "  selector:",
      "    matchLabels:",
      `      app: ${plain(target)}`,
      "  action: ALLOW",
      "  rules:",
      "    # Probes and operators: health and reflection for any workload of the mesh.",
      ...rule([principal("*")], infrastructureMethods),
      ...(edge === undefined
        ? []
        : [
            "    # The public face: the ingress gateway, on the public ports only.",
            "    - from:",
            "        - source:",
            `            principals: ${list([edge.principal])}`,
            "      to:",
            "        - operation:",
            `            ports: ${list(edge.ports.map(String))}`,
          ]),
    ];
    for (const allow of policy.services[target]!.allow) lines.push(...rule([...allow.callers].sort().map(principal), allow.methods));
    documents.push(lines.join("\n"));
  }
  return `${documents.join("\n---\n")}\n`;
}

/**
 * A validated name as a YAML scalar: plain, unless YAML would read it as a
 * number or boolean (`123`, `on`), which Kubernetes rejects as a name or label.
 */
function plain(name: string): string {
  return /^[0-9]|^(?:y|n|yes|no|true|false|on|off|null)$/i.test(name) ? JSON.stringify(name) : name;
}
