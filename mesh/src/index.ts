/**
 * @chaos/mesh — the runtime every Chaos World service is built on.
 * A service declares a manifest (defineService) that runService() runs: the
 * mesh serves its handlers on the internal (grpc-js, mTLS) and edge
 * (connect-node) faces with one interceptor chain, opens and closes its state,
 * and gives it typed clients with breakers, retries and deadline propagation.
 * Services import it by layer (./domain, ./server, ./client, ./events); this
 * root is all of them and the rest, for scripts, benchmarks and tests.
 */
export * from "./domain/index.js";
export * from "./server/index.js";
export * from "./client/index.js";
export * from "./events/index.js";
export { createMeshRuntime, type MeshRuntimeOptions, type RuntimeServerOptions } from "./mesh-runtime.js";
export { loadMeshConfig, type MeshConfig } from "./mesh-config.js";
export { createMeshServer, type MeshServer, type MeshServerOptions, type MeshAddresses } from "./server/mesh-server.js";
export { currentCallScope, type CallScope } from "./call-scope.js";
export { createSvidChannelCredentials, createSvidServerCredentials, type SvidFiles, type LoadingCredentials } from "./tls-credentials.js";
export { createMeshMetrics, type MeshMetrics } from "./observability/metrics.js";
export { createTracing, extractTraceContext, injectTraceContext, type MeshTracing, type TracingOptions } from "./observability/tracing.js";
export * from "./identity/index.js";
export * from "./authz/index.js";
export * from "./principal/index.js";
export { migrate, readMigrations, type Migration, type MigrateOptions } from "./persistence/migrations.js";
export { grantRuntimeRole, assertAppendOnly, type RuntimeRoleGrant } from "./persistence/runtime-role.js";
