/**
 * @chaos/mesh — the runtime every Chaos World service is built on.
 * A service writes handlers against its generated Connect service type and a
 * main.ts that calls runService(); the mesh serves them on the internal
 * (grpc-js, mTLS) and edge (connect-node) faces with one interceptor chain,
 * and gives it typed clients with breakers, retries and deadline propagation.
 */
export { runService } from "./service/run-service.js";
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
} from "./service/service-manifest.js";
export { ownerOf } from "./service/manifest-checks.js";
export { loadManifests, isStateless, portsOf, registryOf, policyOf, publicRoutesOf, methodPath, checkSystem, operatorIdentity, type PublicRoute } from "./service/system.js";
export { createMeshRuntime, type MeshRuntime, type MeshRuntimeOptions, type RuntimeServerOptions } from "./mesh-runtime.js";
export { loadMeshConfig, type MeshConfig } from "./mesh-config.js";
export { integerSetting, numberSetting } from "./settings.js";
export { createMeshServer, defaultLimits, type MeshServer, type MeshServerOptions, type MeshLimits, type MeshAddresses } from "./server/mesh-server.js";
export { registration, type ServiceRegistration } from "./server/registration.js";
export { chain, type MeshCall, type MeshInterceptor, type MeshNext, type MeshResult, type Face } from "./server/mesh-call.js";
export { principalHeader, type TokenRefusalReason } from "./server/principal.js";
export { clientAddressHeader, clientUserAgentHeader } from "./server/edge-face.js";
export { worldName, inWorld, consumerGroupId } from "./world.js";
export { createIdentityTokenVerifier, tokenIssuer, tokenAudience } from "./identity-token-verifier.js";
export { errorWithReason, errorInfoOf, reasonName, toCallerError, type ErrorReasonInfo } from "./error-info.js";
export { callerOf, principalOf, requirePrincipal, traceIdOf } from "./handler-values.js";
export { encodePageToken, decodePageToken } from "./page-token.js";
export { ExpiringMap } from "./expiring-map.js";
export { DomainError } from "./domain/domain-error.js";
export { createDomainErrorInterceptor, toStatusError, type DomainErrorMapping } from "./domain-error.js";
export { currentCallScope, type CallScope } from "./call-scope.js";
export { createMeshTransport, toConnectError, idempotencyKeyHeader, type MeshTransportOptions } from "./client/grpc-transport.js";
export { BreakerRegistry, BreakerOpenError, isBreakerOpen, countsAgainstUpstream, defaultBreakerOptions, unhealthyCodes, type BreakerOptions } from "./client/breaker.js";
export { defaultRetryPolicy, maxAttemptsLimit, type RetryPolicy } from "./client/retry.js";
export { RetryBudget } from "./client/retry-budget.js";
export { createFileDiscovery, createDnsDiscovery, type Discovery, type ServiceEndpoint } from "./client/discovery.js";
export { createSvidChannelCredentials, createSvidServerCredentials, type SvidFiles, type LoadingCredentials } from "./tls-credentials.js";
export { createLogger } from "./observability/logger.js";
export { createMeshMetrics, type MeshMetrics } from "./observability/metrics.js";
export { createTracing, extractTraceContext, injectTraceContext, type MeshTracing, type TracingOptions } from "./observability/tracing.js";
export * from "./identity/index.js";
export * from "./authz/index.js";
export * from "./principal/index.js";
export { createDatabase, type Database, type DatabaseOptions } from "./persistence/database.js";
export { migrate, readMigrations, type Migration } from "./persistence/migrations.js";
export { newCloudEvent, toKafkaHeaders, fromKafkaHeaders, topicName, deadLetterTopic, protobufContentType, type CloudEventAttributes } from "./events/cloud-event.js";
export { appendToOutbox, eventTableMigrations, outboxChannel } from "./events/outbox.js";
export type { OutgoingEvent } from "./domain/outgoing-event.js";
export { ensureTopics } from "./events/ensure-topics.js";
export { createKafkaClient, createKafkaLogCreator } from "./events/kafka-client.js";
export { listDeadLetters, listDeadLetterTopics, replayDeadLetters, replayGroupId, type DeadLetter, type DeadLetterTopic } from "./events/dead-letters.js";
export { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from "./events/outbox-relay.js";
export { startEventConsumer, onEvent, type EventConsumer, type EventConsumerOptions, type EventHandler } from "./events/event-consumer.js";
export { enqueueJobs, jobQueueMigrations, jobChannel, type JobRequest } from "./jobs/job-queue.js";
export { startJobWorker, type JobWorker, type JobWorkerOptions, type JobWorkerSettings, type JobHandlers, type JobRun } from "./jobs/job-worker.js";
export { createRedis } from "./redis/redis-client.js";
export { createRateLimiter, type Rate, type RateDecision, type RateLimiter } from "./redis/rate-limiter.js";
