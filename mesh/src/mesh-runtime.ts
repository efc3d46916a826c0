import path from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { createAuthorizer, loadPolicyFile, type Authorizer } from "./authz/index.js";
import { BreakerRegistry, defaultBreakerOptions, type BreakerOptions } from "./client/breaker.js";
import { channelTargetOf, createFileDiscovery, type Discovery } from "./client/discovery.js";
import { createMeshTransport, type MeshTransportOptions } from "./client/grpc-transport.js";
import { defaultRetryPolicy, type RetryPolicy } from "./client/retry.js";
import { RetryBudget } from "./client/retry-budget.js";
import { spiffeIdFor } from "./identity/index.js";
import { loadMeshConfig, type MeshConfig } from "./mesh-config.js";
import { createLogger } from "./observability/logger.js";
import { createMeshMetrics, type MeshMetrics } from "./observability/metrics.js";
import { createTracing, type MeshTracing } from "./observability/tracing.js";
import { createMeshServer, type MeshServer, type MeshServerOptions } from "./server/mesh-server.js";
import { createSvidChannelCredentials, createSvidServerCredentials, type SvidFiles } from "./tls-credentials.js";

/** Overrides for tests and special deployments; everything defaults from the environment. */
export interface MeshRuntimeOptions {
  readonly config?: MeshConfig;
  readonly discovery?: Discovery;
  readonly authorizer?: Authorizer;
  readonly breaker?: Partial<BreakerOptions>;
  readonly retryPolicy?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  readonly tracing?: MeshTracing;
  /** Fallbacks of outgoing calls, by target service (see MeshTransportOptions.fallback). */
  readonly fallbacks?: Readonly<Record<string, MeshTransportOptions["fallback"]>>;
}

/** A service's server options; ports default to the registry, then to any free port. */
export type RuntimeServerOptions = Pick<MeshServerOptions, "services" | "tokenVerifier" | "tokenRefusal" | "appealMethods" | "limits" | "interceptors" | "firstInterceptors" | "onShutdown"> & {
  readonly edge?: { readonly port?: number; readonly http1Port?: number; readonly allowedOrigins?: readonly string[] };
  readonly admin?: { readonly port?: number };
};

/** One process's mesh: identity, policy, discovery, metrics, and clients that share breakers and budgets. */
export interface MeshRuntime {
  readonly name: string;
  /** This workload's SPIFFE ID URI: its identity on the mesh, and the ce_source of the events it publishes. */
  readonly spiffeId: string;
  readonly config: MeshConfig;
  readonly logger: Logger;
  readonly metrics: MeshMetrics;
  readonly tracing: MeshTracing;
  readonly breakers: BreakerRegistry;
  /** A typed client of `service` on workload `target`, over a shared grpc-js channel per target. */
  client<S extends DescService>(service: S, target: string): Client<S>;
  /** The service's server, wired with this runtime's identity, policy, logger and metrics. */
  createServer(options: RuntimeServerOptions): MeshServer;
  /** Closes channels and breaker timers, flushes spans. */
  close(): Promise<void>;
}

/** Builds the runtime of workload `name`. */
export function createMeshRuntime(name: string, options: MeshRuntimeOptions = {}): MeshRuntime {
  const config = options.config ?? loadMeshConfig();
  const logger = options.logger ?? createLogger(name);
  const metrics = createMeshMetrics(name);
  const tracing = options.tracing ?? createTracing(name);
  const discovery = options.discovery ?? createFileDiscovery(config.registryFile);
  const breakers = new BreakerRegistry({ ...defaultBreakerOptions, ...options.breaker }, logger, metrics);
  const retryPolicy = { ...defaultRetryPolicy, ...options.retryPolicy };
  const svid: SvidFiles = {
    cert: path.join(config.pkiDir, name, "svid.pem"),
    key: path.join(config.pkiDir, name, "svid-key.pem"),
    bundle: path.join(config.pkiDir, name, "bundle.pem"),
  };
  const transports = new Map<string, ReturnType<typeof createMeshTransport>>();
  const budgets = new Map<string, RetryBudget>();

  const transportFor = (target: string) => {
    let transport = transports.get(target);
    if (transport !== undefined) return transport;
    const budget = budgets.get(target) ?? new RetryBudget();
    budgets.set(target, budget);
    const tls = config.mode === "native" ? createSvidChannelCredentials(svid, target, config.trustDomain, config.svidRefreshMs) : undefined;
    const { address, channelOptions } = channelTargetOf(discovery.resolve(target).internal);
    transport = createMeshTransport({
      target,
      address,
      channelOptions,
      credentials: tls?.credentials ?? grpc.credentials.createInsecure(),
      credentialsReady: tls?.ready,
      breakers,
      retryPolicy,
      retryBudget: budget,
      logger,
      metrics,
      tracer: tracing.tracer,
      fallback: options.fallbacks?.[target],
    });
    transports.set(target, transport);
    return transport;
  };

  return {
    name,
    spiffeId: spiffeIdFor(name, { trustDomain: config.trustDomain, namespace: config.namespace }).uri,
    config,
    logger,
    metrics,
    tracing,
    breakers,
    client: (service, target) => createClient(service, transportFor(target)),
    createServer(serverOptions) {
      const endpoint = safeResolve(discovery, name);
      return createMeshServer({
        name,
        services: serverOptions.services,
        internal: {
          host: hostOf(endpoint?.internal) ?? "127.0.0.1",
          port: config.internalPort ?? portOf(endpoint?.internal) ?? 0,
          security: config.mode === "native" ? { mode: "native", ...createSvidServerCredentials(svid, config.svidRefreshMs) } : { mode: "sidecar" },
        },
        edge:
          serverOptions.edge === undefined
            ? undefined
            : {
                ...serverOptions.edge,
                port: config.edgePort ?? serverOptions.edge.port ?? portOf(endpoint?.edge) ?? 0,
                http1Port: config.edgePort === 0 ? 0 : (serverOptions.edge.http1Port ?? portOf(endpoint?.edgeHttp1) ?? 0),
                reflection: config.edgeReflection,
              },
        admin: { port: config.adminPort ?? serverOptions.admin?.port ?? portOf(endpoint?.admin) ?? 0 },
        authorizer: options.authorizer ?? createAuthorizer(loadPolicyFile(config.policyFile)),
        tokenVerifier: serverOptions.tokenVerifier,
        tokenRefusal: serverOptions.tokenRefusal,
        appealMethods: serverOptions.appealMethods,
        trustDomain: config.trustDomain,
        limits: serverOptions.limits,
        interceptors: serverOptions.interceptors,
        firstInterceptors: serverOptions.firstInterceptors,
        logger,
        metrics,
        tracing,
        onShutdown: serverOptions.onShutdown,
      });
    },
    async close() {
      for (const transport of transports.values()) transport.close();
      breakers.shutdown();
      // Spans still buffered go to the collector now; one that is away (stopped first, restarting) costs those
      // spans, never the shutdown: a service must not exit 1 on SIGTERM for want of a trace collector.
      await tracing.shutdown().catch((error: unknown) => logger.warn({ err: error }, "spans still buffered could not reach the trace collector at shutdown; they are lost"));
    },
  };
}

function safeResolve(discovery: Discovery, name: string) {
  try {
    return discovery.resolve(name);
  } catch {
    return undefined;
  }
}

function hostOf(address: string | undefined): string | undefined {
  return address?.slice(0, address.lastIndexOf(":"));
}

function portOf(address: string | undefined): number | undefined {
  return address === undefined ? undefined : Number(address.slice(address.lastIndexOf(":") + 1));
}
