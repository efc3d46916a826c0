import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { PaymentInternalService } from "@chaos/gen/chaos/payment/v1/payment_internal_service_pb.js";
import { consumerGroupId, ownerSourceOf, topicName } from "@chaos/mesh/events";
import { createRateLimiter, defineService, followedTopics, loadManifests, principalOf, registration } from "@chaos/mesh/server";
import { Gauge } from "prom-client";
import { createSessionStatus } from "./clients/session-status.js";
import { loadGatewayConfig } from "./config.js";
import { createFeedTranslator } from "./core/feed-events.js";
import { createPlayerFeed } from "./core/player-feed.js";
import { createStreamLeases } from "./store/stream-leases.js";
import { startFeedConsumer } from "./events/feed-consumer.js";
import { startPresenceEvents } from "./events/presence-events.js";
import { startRateLimitEvents } from "./events/rate-limit-events.js";
import { createAuthenticationInterceptor } from "./handlers/authentication.js";
import { createForwardingHandlers } from "./handlers/forwarding.js";
import { tokenRefusal } from "./handlers/gateway-errors.js";
import { createGatewayHandlers } from "./handlers/gateway-service.js";
import { startPaymentWebhookListener } from "./handlers/payment-webhook.js";
import { createRateLimitInterceptors } from "./handlers/rate-limits.js";
import { publicSurfaceOf } from "./handlers/routes.js";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

/**
 * The only public entry: Connect, gRPC-Web and gRPC for clients, routing every
 * public service of every manifest to its owner; authentication, rate limits
 * and the live player feed.
 */
const gateway = defineService({
  name: "gateway",
  description: "The only public entry: Connect, gRPC-Web and gRPC; authentication, rate limits, routing, the live feed.",
  port: 7110,
  serves: [{ service: GatewayService, public: { openMethods: ["getServerInfo"] } }],
  forwardsPublicApis: true,
  // The payment provider's webhooks: signed HTTP posts, not RPCs, so beside the edge face rather than on it.
  webhooks: { pathPrefix: "/webhooks/", portVariable: "CHAOS_GATEWAY_WEBHOOK_PORT" },
  calls: [
    { service: IdentityInternalService, methods: ["checkSession"] },
    { service: PaymentInternalService, methods: ["handleProviderWebhook"] },
  ],
  verifiesEndUserTokens: true,
  edge: (settings) => ({ allowedOrigins: settings.corsOrigins }),
  state: { redis: true },
  publishes: ["traffic", "presence"],
  // The live player feed's sources.
  follows: [
    { domain: "combat", stream: "casts" },
    { domain: "progression", stream: "progress" },
    { domain: "notification", stream: "notifications" },
  ],
  settings: loadGatewayConfig,
  limits: (settings) => ({ maxMessageBytes: settings.maxMessageBytes, maxDeadlineMs: settings.maxDeadlineMs, defaultDeadlineMs: settings.maxDeadlineMs }),
  async wire({ settings, runtime, redis, kafka, client, logger, source, onStop }) {
    // Imported by a pattern, so the gateway's bundle holds every manifest (serviceBundle).
    const surface = publicSurfaceOf(await loadManifests(new URL("../", import.meta.url), (name) => import(`../${name}/service.ts`)), gateway);
    const rateLimitEvents = await startRateLimitEvents({ kafka, redis, logger, topic: topicName("gateway", "traffic"), source });
    onStop(() => rateLimitEvents.close());
    const presence = await startPresenceEvents({ kafka, logger, topic: topicName("gateway", "presence"), source, heartbeatMs: settings.presenceHeartbeatMs });
    onStop(() => presence.close());
    const rateLimits = createRateLimitInterceptors({
      limiter: createRateLimiter(redis),
      ipRate: settings.ipRate,
      playerRate: settings.playerRate,
      strictlyLimited: surface.strictlyLimited,
      onRefused: rateLimitEvents.refused,
      logger,
    });
    const authentication = createAuthenticationInterceptor(
      surface.openMethods,
      createSessionStatus(client(IdentityInternalService), { cacheMs: settings.sessionCacheMs }),
    );

    if (settings.webhookPort !== 0) {
      const webhooks = await startPaymentWebhookListener({ host: settings.webhookHost, port: settings.webhookPort, payment: () => client(PaymentInternalService), logger });
      onStop(() => webhooks.close());
    }

    const playerFeed = createPlayerFeed({ maxStreamsPerPlayer: settings.maxStreamsPerPlayer, logger });
    // The same limit across every gateway replica (leases in Redis); the feed's own holds while Redis is away.
    const streamLeases = createStreamLeases(redis, { max: settings.maxStreamsPerPlayer, logger });
    onStop(() => streamLeases.close());
    new Gauge({
      name: "chaos_gateway_feed_streams",
      help: "StreamPlayerEvents streams open on this gateway.",
      registers: [runtime.metrics.registry],
      collect() {
        this.set(playerFeed.openStreams);
      },
    });
    const translator = createFeedTranslator();
    // Not an inbox consumer: every gateway replica reads every event (its own group) and keeps nothing.
    const feedConsumer = await startFeedConsumer({
      kafka,
      logger,
      groupId: consumerGroupId("gateway", `feed-${randomUUID()}`),
      sourceOf: (topic) => ownerSourceOf(topic, runtime.spiffeId),
      topics: followedTopics(gateway),
      onEvent: (event, eventId, publishedAt) => {
        for (const delivery of translator.translate(event, eventId, publishedAt)) playerFeed.deliver(delivery);
      },
    });
    onStop(() => feedConsumer.stop());

    return {
      services: [
        registration(GatewayService, createGatewayHandlers({ serverVersion: version, apiVersions: [...surface.apiVersions] }, playerFeed, streamLeases, presence)),
        ...surface.routes.map((route) =>
          createForwardingHandlers(route, runtime, {
            upstreamDeadlineMs: settings.upstreamDeadlineMs,
            // A forwarded stream for one character (chat's StreamMessages) makes that character online while it is open.
            onStreamOpen: (context, request) => {
              const characterId = (request as { characterId?: unknown }).characterId;
              const principal = principalOf(context);
              if (principal === undefined || typeof characterId !== "string") return () => undefined;
              return presence.opened({ playerId: principal.subject, characterIds: [characterId] });
            },
          }),
        ),
      ],
      tokenRefusal,
      appealMethods: surface.appealMethods,
      // The address limit sees every call before the token is verified or the request validated; the player
      // limit needs the verified token and runs before identity's session check, so floods never reach identity.
      firstInterceptors: [rateLimits.byAddress],
      interceptors: [rateLimits.byPlayer, authentication],
      // Open feeds would hold shutdown for its whole grace period; ended at once, their clients re-open them on another replica.
      onDrain: () => playerFeed.endAll(),
    };
  },
});

export default gateway;
