import fs from "node:fs";
import { parseSpiffeId } from "../identity/spiffe-id.js";

/**
 * The one authorization policy source: which caller workloads may call which
 * methods of which target service. The mesh enforces it on the internal face
 * and the Istio AuthorizationPolicies are rendered from it. Deny by default:
 * a target that is not listed is reachable by nobody.
 */
export interface AuthorizationPolicy {
  readonly trustDomain: string;
  readonly namespace: string;
  /** target service name → its rules */
  readonly services: Readonly<Record<string, ServicePolicy>>;
}

/** Rules of one target service; an empty list still makes the infrastructure methods reachable. */
export interface ServicePolicy {
  readonly allow: readonly AllowRule[];
}

/**
 * Callers are service names (their SPIFFE ids are derived:
 * spiffe://<trust domain>/ns/<namespace>/sa/<name>); methods are
 * fully-qualified "/pkg.Service/Method" or "/pkg.Service/*".
 */
export interface AllowRule {
  readonly callers: readonly string[];
  readonly methods: readonly string[];
}

/**
 * Methods every authenticated workload of the policy's trust domain and
 * namespace may call on every listed service: probes need health checks and
 * operators need reflection, and neither reveals more than the contracts do.
 * The Istio rendering emits the same rule, so both enforcement points agree.
 */
export const infrastructureMethods: readonly string[] = [
  "/grpc.health.v1.Health/*",
  "/grpc.reflection.v1.ServerReflection/*",
  "/grpc.reflection.v1alpha.ServerReflection/*",
];

/** The outcome of one authorization check; `caller` is the caller's service name. */
export type Decision = { readonly allowed: true; readonly caller: string } | { readonly allowed: false; readonly reason: string };

/** Decides calls against a policy. */
export interface Authorizer {
  /** May the workload `callerSpiffeUri` call `method` ("/pkg.Service/Method") on service `target`? */
  decide(target: string, callerSpiffeUri: string | undefined, method: string): Decision;
}

const methodPattern = /^\/(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*\/(?:[A-Za-z_]\w*|\*)$/;
// A DNS-1123 label: service names become Kubernetes names, label values and SPIFFE path segments.
const namePattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const trustDomainPattern = /^[a-z0-9](?:[a-z0-9._-]{0,253}[a-z0-9])?$/;
const methodFormat = "/package.Service/Method";

/**
 * Validates a parsed JSON policy. Errors name the offending path, e.g.
 * `services.combat.allow[0].methods[1]: "CastSpell" is not of the form /package.Service/Method`.
 * Unknown keys are errors too: a misspelt key, or a "deny" list this format
 * does not have, would otherwise be silently ignored.
 */
export function parsePolicy(json: unknown): AuthorizationPolicy {
  const root = object(json, "(root)", ["trustDomain", "namespace", "services"]);
  const trustDomain = matching(root.trustDomain, "trustDomain", trustDomainPattern, "a lowercase trust domain");
  const namespace = matching(root.namespace, "namespace", namePattern, "a lowercase DNS label");
  const services: Record<string, ServicePolicy> = {};
  for (const [target, raw] of Object.entries(object(root.services, "services"))) {
    const where = `services.${target}`;
    matching(target, where, namePattern, "a lowercase DNS label");
    const service = object(raw, where, ["allow"]);
    services[target] = {
      allow: array(service.allow, `${where}.allow`, false).map((rule, i) => {
        const at = `${where}.allow[${i}]`;
        const { callers, methods } = object(rule, at, ["callers", "methods"]);
        return {
          callers: array(callers, `${at}.callers`, true).map((c, j) => matching(c, `${at}.callers[${j}]`, namePattern, "a service name (lowercase DNS label)")),
          methods: array(methods, `${at}.methods`, true).map((m, j) => matching(m, `${at}.methods[${j}]`, methodPattern, `of the form ${methodFormat} or /package.Service/*`)),
        };
      }),
    };
  }
  return { trustDomain, namespace, services };
}

/** Reads and validates a JSON policy file; errors name the file. */
export function loadPolicyFile(file: string): AuthorizationPolicy {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read authorization policy ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parsePolicy(json);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * An authorizer over `policy`: deny unless the target is listed and either a
 * rule allows the caller this method or it is an infrastructure method. The
 * rules are indexed once, because this runs on every internal call.
 */
export function createAuthorizer(policy: AuthorizationPolicy): Authorizer {
  const infrastructure = compile(infrastructureMethods);
  const targets = new Map<string, Map<string, CompiledMethods>>();
  for (const [target, service] of Object.entries(policy.services)) {
    const byCaller = new Map<string, string[]>();
    for (const rule of service.allow) {
      for (const caller of rule.callers) byCaller.set(caller, [...(byCaller.get(caller) ?? []), ...rule.methods]);
    }
    targets.set(target, new Map([...byCaller].map(([caller, methods]) => [caller, compile(methods)])));
  }
  return {
    decide(target, callerSpiffeUri, method) {
      if (callerSpiffeUri === undefined) return { allowed: false, reason: "no caller identity" };
      let caller;
      try {
        caller = parseSpiffeId(callerSpiffeUri);
      } catch {
        return { allowed: false, reason: "malformed caller identity" };
      }
      if (caller.trustDomain !== policy.trustDomain) return { allowed: false, reason: `caller is in trust domain ${caller.trustDomain}, not ${policy.trustDomain}` };
      if (caller.namespace !== policy.namespace) return { allowed: false, reason: `caller is in namespace ${caller.namespace}, not ${policy.namespace}` };
      const rules = targets.get(target);
      if (rules === undefined) return { allowed: false, reason: `target ${target} is not in the policy` };
      // One method segment: a "/pkg.Service/*" entry must not admit a longer path, as a plain prefix match would.
      const service = /^\/([^/]+)\/[^/]+$/.exec(method)?.[1];
      if (service === undefined) return { allowed: false, reason: "malformed method path" };
      const name = caller.serviceAccount;
      if (matches(infrastructure, method, service) || matches(rules.get(name), method, service)) return { allowed: true, caller: name };
      return { allowed: false, reason: `no rule allows ${name} to call ${method} on ${target}` };
    },
  };
}

/** Exact methods, and the services all of whose methods a "/pkg.Service/*" entry allows. */
interface CompiledMethods {
  readonly exact: ReadonlySet<string>;
  readonly wholeServices: ReadonlySet<string>;
}

function compile(methods: readonly string[]): CompiledMethods {
  const exact = new Set<string>();
  const wholeServices = new Set<string>();
  for (const method of methods) {
    if (method.endsWith("/*")) wholeServices.add(method.slice(1, -2));
    else exact.add(method);
  }
  return { exact, wholeServices };
}

function matches(compiled: CompiledMethods | undefined, method: string, service: string): boolean {
  return compiled !== undefined && (compiled.exact.has(method) || compiled.wholeServices.has(service));
}

function fail(where: string, what: string): never {
  throw new Error(`authorization policy: ${where}: ${what}`);
}

function object(value: unknown, where: string, keys?: readonly string[]): Record<string, unknown> {
  if (value === undefined) fail(where, "is required");
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "must be an object");
  if (keys !== undefined) {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) fail(where, `unknown key ${JSON.stringify(key)} (expected ${keys.join(", ")})`);
    }
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string, nonEmpty: boolean): unknown[] {
  if (value === undefined) fail(where, "is required");
  if (!Array.isArray(value)) fail(where, "must be an array");
  if (nonEmpty && value.length === 0) fail(where, "must not be empty");
  return value;
}

function matching(value: unknown, where: string, pattern: RegExp, what: string): string {
  if (value === undefined) fail(where, "is required");
  if (typeof value !== "string" || !pattern.test(value)) fail(where, `${JSON.stringify(value)} is not ${what}`);
  return value;
}
