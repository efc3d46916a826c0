/**
 * @chaos/mesh/server — what a service's manifest, handlers and stores use:
 * the manifest and its runtime, the handler helpers (principal, errors, page
 * tokens), the domain-error mapping, settings, token verification, and the
 * service's own PostgreSQL and Redis.
 */
export { runService } from "../service/run-service.js";
export {
  defineService,
  consumeEvents,
  type AnyServiceManifest,
  type ServiceManifest,
  type Served,
  type PublicApi,
  type Called,
  type TopicRef,
  type ServiceState,
  type WireContext,
  type Wired,
  type ConsumedEvents,
} from "../service/service-manifest.js";
export { followedTopics, ownerOf } from "../service/manifest-checks.js";
export { defineForeignWorkload, type ForeignWorkloadDeclaration, type ForeignProcess } from "../service/foreign-workload.js";
export { loadManifests, loadManifest, isStateless, appendOnlyTablesOf, portsOf, registryOf, policyOf, publicRoutesOf, methodPath, checkSystem, operatorIdentity, type PublicRoute } from "../service/system.js";
export type { MeshRuntime } from "../mesh-runtime.js";
export { integerSetting, numberSetting, originsSetting } from "../settings.js";
export { defaultLimits, meshLimits, type MeshLimits } from "./mesh-server.js";
export { registration, type ServiceRegistration } from "./registration.js";
export { chain, type MeshCall, type MeshInterceptor, type MeshNext, type MeshResult, type Face } from "./mesh-call.js";
export { principalHeader, type TokenRefusalReason } from "./principal.js";
export { clientAddressHeader, clientUserAgentHeader } from "./edge-face.js";
export { createIdentityTokenVerifier, tokenIssuer, tokenAudience } from "../identity-token-verifier.js";
export { createTokenVerifier, isAdmin, type Principal, type TokenVerifier } from "../principal/index.js";
export { errorWithReason, errorInfoOf, reasonName, toCallerError, type ErrorReasonInfo } from "../error-info.js";
export { actsAsAdmin, callerOf, principalOf, requirePrincipal, traceIdOf } from "../handler-values.js";
export { encodePageToken, decodePageToken } from "../page-token.js";
export { ExpiringMap } from "../expiring-map.js";
export { DomainError } from "../domain/domain-error.js";
export { createDomainErrorInterceptor, toStatusError, type DomainErrorMapping } from "../domain-error.js";
export { createDatabase, type Database, type DatabaseOptions } from "../persistence/database.js";
export { createRedis, redisAclRules, redisKeyPrefix } from "../redis/redis-client.js";
export { createRateLimiter, type Rate, type RateDecision, type RateLimiter } from "../redis/rate-limiter.js";
export { createLogger } from "../observability/logger.js";
export { jobQueueMigrations, type JobWorkerSettings } from "../events/index.js";
