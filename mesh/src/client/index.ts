/**
 * @chaos/mesh/client — calling other services: the mesh transport (typed
 * Connect clients over grpc-js with breakers, retries and propagation),
 * idempotency keys, and reading the ErrorInfo of a refusal.
 */
export { createMeshTransport, toConnectError, idempotencyKeyHeader, type MeshTransportOptions } from "./grpc-transport.js";
export { BreakerRegistry, BreakerOpenError, isBreakerOpen, countsAgainstUpstream, defaultBreakerOptions, unhealthyCodes, type BreakerOptions } from "./breaker.js";
export { defaultRetryPolicy, maxAttemptsLimit, type RetryPolicy } from "./retry.js";
export { RetryBudget } from "./retry-budget.js";
export { createFileDiscovery, createDnsDiscovery, type Discovery, type ServiceEndpoint } from "./discovery.js";
export { errorInfoOf, reasonName } from "../error-info.js";
export { ExpiringMap } from "../expiring-map.js";
