import fs from "node:fs";

/** Where one service listens. */
export interface ServiceEndpoint {
  /**
   * host:port of the internal (grpc-js, mTLS) face; several, comma-separated,
   * when the service runs as replicas (callers balance over them, see
   * {@link channelTargetOf}), or a grpc-js target such as dns:///name:port.
   */
  readonly internal: string;
  /** host:port of the edge (connect-node) face over HTTP/2, if the service has one. */
  readonly edge?: string;
  /** host:port of the edge face over HTTP/1.1 (browsers). */
  readonly edgeHttp1?: string;
  /** host:port of the admin HTTP port (/metrics, probes). */
  readonly admin?: string;
}

/** Resolves a service name to where it listens. */
export interface Discovery {
  resolve(service: string): ServiceEndpoint;
}

/**
 * Local discovery for `npm start` and tests: a registry file
 * (`{ "services": { "<name>": { "internal": "127.0.0.1:7101", ... } } }`),
 * with `CHAOS_ADDR_<NAME>` environment variables taking precedence (for a
 * service started on a random port).
 */
export function createFileDiscovery(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Discovery {
  const services = file === undefined ? {} : readRegistry(file);
  return {
    resolve(service) {
      const override = env[`CHAOS_ADDR_${service.toUpperCase().replaceAll("-", "_")}`];
      if (override !== undefined && override !== "") return { internal: override };
      const endpoint = services[service];
      if (endpoint === undefined) throw new Error(`service "${service}" is not in the registry${file === undefined ? "" : ` ${file}`}`);
      return endpoint;
    },
  };
}

/**
 * The grpc-js channel target and options for an internal address. Several
 * host:port (replicas) become one channel over all of them with round-robin
 * balancing: each call goes to the next ready replica, a replica that is
 * draining (GOAWAY) or down is skipped while it reconnects, so its calls
 * move to the others without the caller seeing it. One address stays a
 * plain target (grpc-js's default pick-first).
 */
export function channelTargetOf(internal: string): { readonly address: string; readonly channelOptions: Record<string, string> } {
  if (!internal.includes(",")) return { address: internal, channelOptions: {} };
  return { address: `ipv4:${internal}`, channelOptions: { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) } };
}

/**
 * Kubernetes discovery: the Service's cluster DNS name, resolved by grpc-js's
 * dns resolver (and re-resolved on reconnect).
 */
export function createDnsDiscovery(namespace: string, internalPort = 7000): Discovery {
  return {
    resolve: (service) => ({ internal: `dns:///${service}.${namespace}.svc.cluster.local:${internalPort}` }),
  };
}

function readRegistry(file: string): Record<string, ServiceEndpoint> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read service registry ${file}: ${(error as Error).message}`);
  }
  const services = (parsed as { services?: unknown }).services;
  if (typeof services !== "object" || services === null) throw new Error(`${file}: "services" must be an object`);
  for (const [name, endpoint] of Object.entries(services)) {
    if (typeof (endpoint as ServiceEndpoint).internal !== "string") throw new Error(`${file}: services.${name}.internal must be "host:port"`);
  }
  return services as Record<string, ServiceEndpoint>;
}
