import path from "node:path";

/** A service's mesh settings, read from the environment and validated at start-up. */
export interface MeshConfig {
  /** "native": the service terminates mTLS with its SVID; "sidecar": Istio's Envoy does. CHAOS_MESH_MODE, default native. */
  readonly mode: "native" | "sidecar";
  /** SPIFFE trust domain. CHAOS_TRUST_DOMAIN, default chaos.world. */
  readonly trustDomain: string;
  /** Kubernetes namespace in SPIFFE IDs. CHAOS_NAMESPACE, default chaos. */
  readonly namespace: string;
  /** Directory with <service>/svid.pem, svid-key.pem, bundle.pem. CHAOS_PKI_DIR, default .chaos/pki. */
  readonly pkiDir: string;
  /** Local service registry (ports). CHAOS_REGISTRY, default services/registry.json. */
  readonly registryFile: string;
  /** Authorization policy. CHAOS_POLICY, default services/authorization.json. */
  readonly policyFile: string;
  /** How often SVID files are re-read (rotation). CHAOS_SVID_REFRESH_MS, default 60000. */
  readonly svidRefreshMs: number;
  /**
   * Whether the edge face (the gateway's public port) serves server
   * reflection, so client developers can explore the public API with grpcurl
   * without .proto files. CHAOS_EDGE_REFLECTION, "true" or "false", default
   * true; a production deployment may turn it off. The internal face always
   * serves reflection, and the edge face always serves health.
   */
  readonly edgeReflection: boolean;
  /** Port overrides: CHAOS_INTERNAL_PORT, CHAOS_EDGE_PORT, CHAOS_ADMIN_PORT (0 = any free port). */
  readonly internalPort: number | undefined;
  readonly edgePort: number | undefined;
  readonly adminPort: number | undefined;
}

/** Reads the mesh settings; a bad value stops start-up with a message naming the variable. */
export function loadMeshConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MeshConfig {
  const mode = env.CHAOS_MESH_MODE ?? "native";
  if (mode !== "native" && mode !== "sidecar") throw new Error(`CHAOS_MESH_MODE must be "native" or "sidecar", got "${mode}"`);
  const name = (variable: string, fallback: string) => {
    const value = env[variable] ?? fallback;
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(value)) throw new Error(`${variable} must be a lowercase DNS-style name, got "${value}"`);
    return value;
  };
  return {
    mode,
    trustDomain: name("CHAOS_TRUST_DOMAIN", "chaos.world"),
    namespace: name("CHAOS_NAMESPACE", "chaos"),
    pkiDir: path.resolve(cwd, env.CHAOS_PKI_DIR ?? ".chaos/pki"),
    registryFile: path.resolve(cwd, env.CHAOS_REGISTRY ?? "services/registry.json"),
    policyFile: path.resolve(cwd, env.CHAOS_POLICY ?? "services/authorization.json"),
    svidRefreshMs: integer(env, "CHAOS_SVID_REFRESH_MS", 100, 3_600_000) ?? 60_000,
    edgeReflection: boolean(env, "CHAOS_EDGE_REFLECTION") ?? true,
    internalPort: integer(env, "CHAOS_INTERNAL_PORT", 0, 65535),
    edgePort: integer(env, "CHAOS_EDGE_PORT", 0, 65535),
    adminPort: integer(env, "CHAOS_ADMIN_PORT", 0, 65535),
  };
}

function boolean(env: NodeJS.ProcessEnv, variable: string): boolean | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === "") return undefined;
  if (raw !== "true" && raw !== "false") throw new Error(`${variable} must be "true" or "false", got "${raw}"`);
  return raw === "true";
}

function integer(env: NodeJS.ProcessEnv, variable: string, min: number, max: number): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${variable} must be an integer in [${min}, ${max}], got "${raw}"`);
  return value;
}
