import type net from "node:net";
import type http from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { Health } from "@chaos/gen/grpc/health/v1/health_pb.js";
import type { Authorizer } from "../authz/index.js";
import type { TokenVerifier } from "../principal/index.js";
import { createLogger } from "../observability/logger.js";
import { createMeshMetrics, type MeshMetrics } from "../observability/metrics.js";
import { createTracing, type MeshTracing } from "../observability/tracing.js";
import { createAdminServer } from "./admin-http.js";
import { createAuthorizationInterceptor, createWorkloadIdentityInterceptor } from "./authorization.js";
import { createEdgeFace, type EdgeFace } from "./edge-face.js";
import { ServingHealth } from "./health.js";
import { mountInternalFace, type InternalTransportSecurity } from "./internal-face.js";
import { chain, type MeshInterceptor } from "./mesh-call.js";
import { createObservabilityInterceptor, createRefusalObserver } from "./observe.js";
import { createPrincipalInterceptor, type TokenRefusalReason } from "./principal.js";
import { createServerReflection, reflectionRegistrations } from "./reflection.js";
import { methodEntries, type MethodEntry, type ServiceRegistration } from "./registration.js";
import { createValidationInterceptor } from "./validation.js";

/** Limits every mesh server sets explicitly. */
export interface MeshLimits {
  /** Largest request or response message, in bytes. Default 4 MiB (gRPC's customary limit). */
  readonly maxMessageBytes: number;
  /** Largest deadline a caller may ask for; longer ones are INVALID_ARGUMENT. Default 60 s. */
  readonly maxDeadlineMs: number;
  /** Deadline of calls that set none. Default 15 s. */
  readonly defaultDeadlineMs: number;
  /**
   * Shortest deadline of a call on the edge face: a client asking for less
   * is served (and its outgoing calls are bounded) as if it had asked for
   * this; its own timer still ends its wait. Default 100 ms: time for the
   * gateway's hop to a service and that service's work, so a client cannot
   * make upstreams look slow with a deadline they could never meet (5 ms
   * logins kept the gateway's Login breaker open). The internal face has no
   * minimum: remaining time between services is exact.
   */
  readonly edgeMinDeadlineMs: number;
  /** How long in-flight calls may run after shutdown begins before they are cancelled. Default 10 s. */
  readonly shutdownGraceMs: number;
  /**
   * How long closing the rest may take once the faces drained (consumer, jobs, relay, pools: a second or two
   * when healthy); then the service exits 1 on its own, naming what hung (runService). A pod's
   * terminationGracePeriodSeconds leaves room for both. Default 15 s.
   */
  readonly shutdownCloseBudgetMs: number;
}

/** Documented defaults of {@link MeshLimits}. */
export const defaultLimits: MeshLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxDeadlineMs: 60_000,
  defaultDeadlineMs: 15_000,
  edgeMinDeadlineMs: 100,
  shutdownGraceMs: 10_000,
  shutdownCloseBudgetMs: 15_000,
};

/** A service's limits: its own where it sets them, the documented defaults elsewhere. */
export function meshLimits(own: Partial<MeshLimits> | undefined): MeshLimits {
  return { ...defaultLimits, ...own };
}

/** Everything a service's main.ts gives the mesh. */
export interface MeshServerOptions {
  /** The service's name (its SPIFFE service account), e.g. "combat". */
  readonly name: string;
  /** Handlers, written once, served on every enabled face. */
  readonly services: readonly ServiceRegistration[];
  /** The internal face: grpc-js, service-to-service, mTLS (or sidecar). */
  readonly internal: { readonly host?: string; readonly port: number; readonly security: InternalTransportSecurity };
  /** The edge face: connect-node (Connect, gRPC-Web, gRPC) with CORS. Off unless given. */
  readonly edge?: {
    readonly host?: string;
    /** HTTP/2 cleartext: gRPC, Connect, gRPC-Web. */
    readonly port: number;
    /** HTTP/1.1: Connect and gRPC-Web for browsers. Default: any free port. */
    readonly http1Port?: number;
    readonly allowedOrigins?: readonly string[];
    /**
     * Serve server reflection here too, for the services this face serves, so
     * client developers can explore the public API with grpcurl. Health is
     * served on the edge face always. Default true (the runtime takes it from
     * CHAOS_EDGE_REFLECTION); a production edge may prefer to publish its
     * contracts some other way.
     */
    readonly reflection?: boolean;
  };
  /** /metrics, /healthz, /readyz. Off unless given. */
  readonly admin?: { readonly host?: string; readonly port: number };
  /** Who may call which method on the internal face (deny by default). */
  readonly authorizer: Authorizer;
  /** Verifies end-user tokens; without it, calls carrying one are refused. */
  readonly tokenVerifier?: TokenVerifier;
  /** The ErrorInfo reason of refused tokens. Default: none (UNAUTHENTICATED with a message only). */
  readonly tokenRefusal?: TokenRefusalReason;
  /** Methods ("/package.Service/Method") an appeal token may call (PublicApi.appealMethods). Default none. */
  readonly appealMethods?: ReadonlySet<string>;
  /** SPIFFE trust domain. Default "chaos.world". */
  readonly trustDomain?: string;
  readonly limits?: Partial<MeshLimits>;
  /**
   * Service-specific interceptors, run after the mesh's own and before the
   * handler. They guard the service's own methods: health and reflection on
   * the edge face (the mesh's own services, which need no end user) skip them.
   */
  readonly interceptors?: readonly MeshInterceptor[];
  /**
   * Service-specific interceptors that must see every call, however bad:
   * they run right after observability, before workload authorization, the
   * end-user token check and validation (a per-address rate limit at the
   * edge, so refused tokens and malformed requests count too — and health
   * checks and reflection streams on the edge face). Default none.
   */
  readonly firstInterceptors?: readonly MeshInterceptor[];
  readonly logger?: Logger;
  readonly metrics?: MeshMetrics;
  /** OpenTelemetry tracing; default: one for this service, exporting when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  readonly tracing?: MeshTracing;
  /** Closed after the faces stopped (pools, consumers), in order. */
  readonly onShutdown?: ReadonlyArray<() => Promise<void> | void>;
}

/** Where a started server listens. */
export interface MeshAddresses {
  readonly internalPort: number;
  /** Edge face, HTTP/2 cleartext. */
  readonly edgePort: number | undefined;
  /** Edge face, HTTP/1.1. */
  readonly edgeHttp1Port: number | undefined;
  readonly adminPort: number | undefined;
}

/** A running service. */
export interface MeshServer {
  readonly logger: Logger;
  readonly metrics: MeshMetrics;
  readonly health: ServingHealth;
  start(): Promise<MeshAddresses>;
  /** Graceful: NOT_SERVING, refuse new calls, let in-flight calls finish (bounded), close everything. */
  shutdown(): Promise<void>;
}

/**
 * Builds a service's server: both faces over the same handlers and the same
 * interceptor chain — observability, authorization (internal face),
 * end-user principal, validation, then the service's own interceptors.
 */
export function createMeshServer(options: MeshServerOptions): MeshServer {
  const limits = meshLimits(options.limits);
  const trustDomain = options.trustDomain ?? "chaos.world";
  const logger = options.logger ?? createLogger(options.name);
  const metrics = options.metrics ?? createMeshMetrics(options.name);
  const tracing = options.tracing ?? createTracing(options.name);
  const entries = methodEntries(options.services);
  const serviceNames = [...new Set(entries.map((e) => e.service.typeName))];
  const health = new ServingHealth(serviceNames);
  const shutdownController = new AbortController();
  const observe = createObservabilityInterceptor(logger, metrics, tracing);
  const firstInterceptors: MeshInterceptor[] = [observe, ...(options.firstInterceptors ?? [])];
  const interceptors: MeshInterceptor[] = [
    ...firstInterceptors,
    createAuthorizationInterceptor(options.name, options.authorizer, logger),
    createPrincipalInterceptor(options.tokenVerifier ?? refuseTokens, options.tokenRefusal, options.appealMethods),
    createValidationInterceptor(),
    ...(options.interceptors ?? []),
  ];
  const refuseWhileStopping: MeshInterceptor = (next) => async (call) => {
    if (!health.isServing) throw new ConnectError("server is shutting down", Code.Unavailable);
    return next(call);
  };
  const run = (entry: (typeof entries)[number]) => chain([refuseWhileStopping, ...interceptors], entry.handler);

  const grpcServer = new grpc.Server({
    "grpc.max_receive_message_length": limits.maxMessageBytes,
    "grpc.max_send_message_length": limits.maxMessageBytes,
    // Let idle clients keep their connections warm without being called abusive.
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });
  const internalHost = options.internal.host ?? "127.0.0.1";
  if (options.internal.security.mode === "sidecar" && !["127.0.0.1", "::1", "localhost"].includes(internalHost)) {
    throw new Error("sidecar mode trusts x-forwarded-client-cert, so the internal face must listen on loopback only");
  }
  const served = [...new Set(entries.map((e) => e.service))];
  const reflection = createServerReflection([...served, Health], { maxResponseBytes: limits.maxMessageBytes });
  // Health and reflection are the mesh's own services. On the internal face they pass observability and
  // the workload-identity check (a valid SVID of the trust domain, no policy rule needed), and answer also
  // while the chain refuses calls during shutdown (NOT_SERVING must reach the probes).
  const internalOwn: MethodEntry[] = methodEntries([health.registration(), ...reflectionRegistrations(reflection)]);
  const internalOwnChain: MeshInterceptor[] = [observe, createWorkloadIdentityInterceptor(logger)];
  const runInternal = (entry: MethodEntry) => (internalOwn.includes(entry) ? chain(internalOwnChain, entry.handler) : run(entry));
  mountInternalFace(grpcServer, [...entries, ...internalOwn], runInternal, {
    host: internalHost,
    port: options.internal.port,
    security: options.internal.security,
    trustDomain,
    limits,
    shutdownSignal: shutdownController.signal,
  });
  // On the edge face they run through observability and the service's firstInterceptors (the gateway's
  // address limit counts them like any call) and nothing else: no end user, no rules, no service guards.
  const edgeOwn: MethodEntry[] = methodEntries([
    health.registration(),
    ...(options.edge?.reflection === false ? [] : reflectionRegistrations(reflection)),
  ]);
  const runEdge = (entry: MethodEntry) => (edgeOwn.includes(entry) ? chain(firstInterceptors, entry.handler) : run(entry));

  let edge: EdgeFace | undefined;
  let admin: http.Server | undefined;
  const onShutdown = options.onShutdown ?? [];

  return {
    logger,
    metrics,
    health,
    async start() {
      const security = options.internal.security;
      if (security.mode === "native") await security.ready;
      const credentials = security.mode === "native" ? security.credentials : grpc.ServerCredentials.createInsecure();
      const internalPort = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync(`${internalHost}:${options.internal.port}`, credentials, (error, port) => (error ? reject(error) : resolve(port))),
      );
      disableNagle(grpcServer);
      let edgePort: number | undefined;
      let edgeHttp1Port: number | undefined;
      if (options.edge !== undefined) {
        edge = createEdgeFace([...entries, ...edgeOwn], runEdge, {
          host: options.edge.host ?? "127.0.0.1",
          port: options.edge.port,
          allowedOrigins: options.edge.allowedOrigins ?? [],
          limits: { ...limits, minDeadlineMs: limits.edgeMinDeadlineMs },
          shutdownSignal: shutdownController.signal,
          observeRefusal: createRefusalObserver(logger, metrics),
        });
        edgePort = await listen(edge.http2, options.edge.host ?? "127.0.0.1", options.edge.port);
        edgeHttp1Port = await listen(edge.http1, options.edge.host ?? "127.0.0.1", options.edge.http1Port ?? 0);
      }
      let adminPort: number | undefined;
      if (options.admin !== undefined) {
        admin = createAdminServer(metrics.registry, () => health.isServing);
        adminPort = await listen(admin, options.admin.host ?? "127.0.0.1", options.admin.port);
      }
      logger.info({ internalPort, edgePort, edgeHttp1Port, adminPort, security: options.internal.security.mode }, "serving");
      return { internalPort, edgePort, edgeHttp1Port, adminPort };
    },
    async shutdown() {
      if (!health.isServing) return;
      logger.info({ graceMs: limits.shutdownGraceMs }, "shutting down");
      health.markNotServing();
      let grace: NodeJS.Timeout | undefined;
      // Past the grace, calls are cancelled and connections cut; a second later, what is still open is left to
      // the process's exit rather than holding the shutdown past its deadline. (In a test stack, matchmaking's
      // faces stayed open after the grace until its deadline ended it; what held them is not known yet.)
      const forced = new Promise<false>((resolve) => {
        grace = setTimeout(() => {
          logger.warn("grace period over: cancelling calls still running");
          shutdownController.abort(new ConnectError("server shut down", Code.Unavailable));
          grpcServer.forceShutdown();
          setTimeout(() => resolve(false), 1_000).unref();
        }, limits.shutdownGraceMs);
      });
      const closed = Promise.all([new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())), edge?.close()]).then(() => true as const);
      if (!(await Promise.race([closed, forced]))) logger.warn("connections still open a second after the grace; leaving them to the exit");
      clearTimeout(grace);
      if (admin !== undefined) await new Promise<void>((resolve) => admin!.close(() => resolve()));
      for (const close of onShutdown) await close();
      if (options.tracing === undefined) await tracing.shutdown();
      logger.info("stopped");
    },
  };
}

const refuseTokens: TokenVerifier = {
  verify: async () => {
    throw new ConnectError("this service does not accept end-user tokens", Code.Unauthenticated);
  },
};

/**
 * Turns Nagle's algorithm off on the internal face's connections. grpc-js
 * sets TCP_NODELAY on its client sockets but not on its server's, so a
 * response's trailing frames waited for the client's delayed ACK: measured
 * ~1.5 ms added per hop on loopback (a cast through four hops went from
 * 9.4 ms to 6.7 ms serial p50 with the edge face alone fixed). grpc-js keeps
 * its HTTP/2 servers in a private field (the version is pinned); without it
 * this does nothing.
 */
function disableNagle(grpcServer: grpc.Server): void {
  const servers = (grpcServer as unknown as { http2Servers?: Map<net.Server, unknown> }).http2Servers;
  for (const server of servers?.keys() ?? []) {
    server.on("secureConnection", (socket: net.Socket) => socket.setNoDelay(true));
    server.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  }
}

function listen(server: net.Server | http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    });
  });
}
