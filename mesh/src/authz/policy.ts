import fs from "node:fs";
import { parseSpiffeId } from "../identity/spiffe-id.js";

/**
 * The one authorization policy source: which caller workloads may call which
 * methods of which target service. Enforced by the mesh on the internal face
 * and rendered as Istio AuthorizationPolicies. Deny by default.
 */
export interface AuthorizationPolicy {
  readonly trustDomain: string;
  readonly namespace: string;
  /** target service name → its rules */
  readonly services: Readonly<Record<string, ServicePolicy>>;
}

/** Rules of one target service. */
export interface ServicePolicy {
  readonly allow: readonly AllowRule[];
}

/** Callers are service names; methods are "/pkg.Service/Method" or "/pkg.Service/*". */
export interface AllowRule {
  readonly callers: readonly string[];
  readonly methods: readonly string[];
}

/**
 * Methods any authenticated workload of the trust domain may call on any
 * service: health checks and reflection are what probes and operators need,
 * and they reveal nothing a contract does not.
 */
export const infrastructureMethods: readonly string[] = [
  "/grpc.health.v1.Health/*",
  "/grpc.reflection.v1.ServerReflection/*",
  "/grpc.reflection.v1alpha.ServerReflection/*",
];

/** The outcome of one authorization check. */
export type Decision = { readonly allowed: true; readonly caller: string } | { readonly allowed: false; readonly reason: string };

/** Decides calls against a policy. */
export interface Authorizer {
  decide(target: string, callerSpiffeUri: string | undefined, method: string): Decision;
}

const methodPattern = /^\/[A-Za-z_][\w.]*\.[A-Za-z_]\w*\/([A-Za-z_]\w*|\*)$/;
const namePattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Validates a parsed JSON policy; errors name the offending path. */
export function parsePolicy(json: unknown): AuthorizationPolicy {
  const fail = (where: string, what: string): never => {
    throw new Error(`authorization policy: ${where}: ${what}`);
  };
  if (typeof json !== "object" || json === null) fail("(root)", "must be an object");
  const root = json as Record<string, unknown>;
  const text = (value: unknown, where: string) => (typeof value === "string" && namePattern.test(value) ? value : fail(where, `${JSON.stringify(value)} is not a lowercase name`));
  const trustDomain = typeof root.trustDomain === "string" && /^[a-z0-9.-]+$/.test(root.trustDomain) ? root.trustDomain : fail("trustDomain", "must be a lowercase domain");
  const namespace = text(root.namespace, "namespace");
  if (typeof root.services !== "object" || root.services === null) fail("services", "must be an object");
  const services: Record<string, ServicePolicy> = {};
  for (const [target, raw] of Object.entries(root.services as Record<string, unknown>)) {
    text(target, `services.${target}`);
    const allow = (raw as { allow?: unknown })?.allow;
    if (!Array.isArray(allow)) fail(`services.${target}.allow`, "must be an array");
    services[target] = {
      allow: (allow as unknown[]).map((rule, i) => {
        const where = `services.${target}.allow[${i}]`;
        const { callers, methods } = (rule ?? {}) as { callers?: unknown; methods?: unknown };
        if (!Array.isArray(callers) || callers.length === 0) fail(`${where}.callers`, "must be a non-empty array");
        if (!Array.isArray(methods) || methods.length === 0) fail(`${where}.methods`, "must be a non-empty array");
        (callers as unknown[]).forEach((c, j) => text(c, `${where}.callers[${j}]`));
        (methods as unknown[]).forEach((m, j) => {
          if (typeof m !== "string" || !methodPattern.test(m)) fail(`${where}.methods[${j}]`, `${JSON.stringify(m)} is not of the form /package.Service/Method or /package.Service/*`);
        });
        return { callers: callers as string[], methods: methods as string[] };
      }),
    };
  }
  return { trustDomain, namespace, services };
}

/** Reads and validates a JSON policy file. */
export function loadPolicyFile(file: string): AuthorizationPolicy {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read authorization policy ${file}: ${(error as Error).message}`);
  }
  return parsePolicy(json);
}

/** True when `method` ("/pkg.Service/Method") matches a rule entry (exact or "/pkg.Service/*"). */
export function methodMatches(pattern: string, method: string): boolean {
  return pattern.endsWith("/*") ? method.startsWith(pattern.slice(0, -1)) : pattern === method;
}

/** An authorizer over `policy`: deny unless a rule allows the caller this method. */
export function createAuthorizer(policy: AuthorizationPolicy): Authorizer {
  return {
    decide(target, callerUri, method) {
      if (callerUri === undefined) return { allowed: false, reason: "no caller identity" };
      let caller;
      try {
        caller = parseSpiffeId(callerUri);
      } catch {
        return { allowed: false, reason: `malformed caller identity ${callerUri}` };
      }
      if (caller.trustDomain !== policy.trustDomain) return { allowed: false, reason: `caller is in trust domain ${caller.trustDomain}` };
      if (caller.namespace !== policy.namespace) return { allowed: false, reason: `caller is in namespace ${caller.namespace}` };
      if (infrastructureMethods.some((p) => methodMatches(p, method))) return { allowed: true, caller: caller.serviceAccount };
      const rules = policy.services[target]?.allow ?? [];
      const allowed = rules.some((rule) => rule.callers.includes(caller.serviceAccount) && rule.methods.some((p) => methodMatches(p, method)));
      return allowed ? { allowed: true, caller: caller.serviceAccount } : { allowed: false, reason: `no rule allows ${caller.serviceAccount} to call ${method} on ${target}` };
    },
  };
}
