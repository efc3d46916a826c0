import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import {
  consumerGroupId,
  createIdentityTokenVerifier,
  createRateLimiter,
  openServiceResources,
  registration,
  runService,
  topicName,
  type MeshInterceptor,
  type ServiceResources,
} from "@chaos/mesh";
import { Gauge } from "prom-client";
import { createSessionStatus } from "./clients/session-status.js";
import { loadGatewayConfig } from "./config.js";
import { createFeedTranslator } from "./core/feed-events.js";
import { createPlayerFeed } from "./core/player-feed.js";
import { startFeedConsumer, type FeedConsumer } from "./events/feed-consumer.js";
import { startRateLimitEvents, type RateLimitEvents } from "./events/rate-limit-events.js";
import { createAuthenticationInterceptor } from "./handlers/authentication.js";
import { createForwardingHandlers } from "./handlers/forwarding.js";
import { tokenRefusal } from "./handlers/gateway-errors.js";
import { createGatewayHandlers } from "./handlers/gateway-service.js";
import { createRateLimitInterceptors, type RateLimitInterceptors } from "./handlers/rate-limits.js";
import { openMethods, publicRoutes, servedApiVersions } from "./handlers/routes.js";

const config = loadGatewayConfig();
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

let resources: ServiceResources | undefined;
let feedConsumer: FeedConsumer | undefined;
let rateLimitEvents: RateLimitEvents | undefined;
let rateLimits: RateLimitInterceptors | undefined;
let authentication: MeshInterceptor | undefined;
await runService({
  name: "gateway",
  tokenVerifier: (runtime) => createIdentityTokenVerifier(runtime),
  tokenRefusal,
  edge: { allowedOrigins: config.corsOrigins },
  limits: { maxMessageBytes: config.maxMessageBytes, maxDeadlineMs: config.maxDeadlineMs, defaultDeadlineMs: config.maxDeadlineMs },
  // The address limit sees every call before the token is verified or the request validated; the player
  // limit needs the verified token and runs before identity's session check, so floods never reach identity.
  firstInterceptors: () => [rateLimits!.byAddress],
  interceptors: () => [rateLimits!.byPlayer, authentication!],
  services: async (runtime) => {
    resources = await openServiceResources(runtime, { database: false });
    rateLimitEvents = await startRateLimitEvents({
      kafka: resources.kafka,
      redis: resources.redis,
      logger: runtime.logger,
      topic: topicName("gateway", "traffic"),
      source: runtime.spiffeId,
    });
    rateLimits = createRateLimitInterceptors({
      limiter: createRateLimiter(resources.redis),
      ipRate: config.ipRate,
      playerRate: config.playerRate,
      onRefused: rateLimitEvents.refused,
      logger: runtime.logger,
    });
    authentication = createAuthenticationInterceptor(
      openMethods,
      createSessionStatus(runtime.client(IdentityInternalService, "identity"), { cacheMs: config.sessionCacheMs }),
    );

    const playerFeed = createPlayerFeed({ maxStreamsPerPlayer: config.maxStreamsPerPlayer, logger: runtime.logger });
    // Open feeds would hold shutdown for its whole grace period; ended at once, their clients re-open them on another replica.
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => playerFeed.endAll());
    new Gauge({
      name: "chaos_gateway_feed_streams",
      help: "StreamPlayerEvents streams open on this gateway.",
      registers: [runtime.metrics.registry],
      collect() {
        this.set(playerFeed.openStreams);
      },
    });
    const translator = createFeedTranslator();
    feedConsumer = await startFeedConsumer({
      kafka: resources.kafka,
      logger: runtime.logger,
      groupId: consumerGroupId("gateway", `feed-${randomUUID()}`),
      topics: [topicName("combat", "casts"), topicName("progression", "progress")],
      onEvent: (event, eventId, publishedAt) => {
        for (const delivery of translator.translate(event, eventId, publishedAt)) playerFeed.deliver(delivery);
      },
    });

    return [
      registration(GatewayService, createGatewayHandlers({ serverVersion: version, apiVersions: servedApiVersions() }, playerFeed)),
      ...publicRoutes.map((route) => createForwardingHandlers(route, runtime, { upstreamDeadlineMs: config.upstreamDeadlineMs })),
    ];
  },
  onShutdown: [async () => feedConsumer?.stop(), async () => rateLimitEvents?.close(), async () => resources?.close()],
});
