import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { AnticheatService } from "@chaos/gen/chaos/anticheat/v1/anticheat_service_pb.js";
import { AuditService } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import { ChatService } from "@chaos/gen/chaos/chat/v1/chat_service_pb.js";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { GuildService } from "@chaos/gen/chaos/guild/v1/guild_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { LiveopsService } from "@chaos/gen/chaos/liveops/v1/liveops_service_pb.js";
import { MatchmakingService } from "@chaos/gen/chaos/matchmaking/v1/matchmaking_service_pb.js";
import { NotificationService } from "@chaos/gen/chaos/notification/v1/notification_service_pb.js";
import { PaymentService } from "@chaos/gen/chaos/payment/v1/payment_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { TradingService } from "@chaos/gen/chaos/trading/v1/trading_service_pb.js";
import { WorldService } from "@chaos/gen/chaos/world/v1/world_service_pb.js";

/** Typed clients of the gateway's public API. */
export interface Api {
  /** Register, Login and RefreshSession: sent without a token (a refresh must not wait on itself). */
  readonly publicIdentity: Client<typeof IdentityService>;
  readonly identity: Client<typeof IdentityService>;
  readonly player: Client<typeof PlayerService>;
  readonly combat: Client<typeof CombatService>;
  readonly progression: Client<typeof ProgressionService>;
  readonly inventory: Client<typeof InventoryService>;
  readonly trading: Client<typeof TradingService>;
  readonly guild: Client<typeof GuildService>;
  readonly chat: Client<typeof ChatService>;
  readonly notification: Client<typeof NotificationService>;
  readonly liveops: Client<typeof LiveopsService>;
  readonly matchmaking: Client<typeof MatchmakingService>;
  readonly world: Client<typeof WorldService>;
  readonly payment: Client<typeof PaymentService>;
  /** A player's own standing and appeals; moderators' review queue. */
  readonly anticheat: Client<typeof AnticheatService>;
  /** Admins only. */
  readonly audit: Client<typeof AuditService>;
  /** Admins only. */
  readonly analytics: Client<typeof AnalyticsService>;
  readonly gateway: Client<typeof GatewayService>;
}

/** Supplies the current access token, refreshing it first when it is about to expire. */
export type AccessTokenSource = () => Promise<string | undefined>;

/**
 * Creates the clients. Every call but the public identity ones carries
 * `authorization: Bearer <access token>`, which the gateway verifies and forwards.
 */
export function createApi(gatewayUrl: string, accessToken: AccessTokenSource): Api {
  const bearer: Interceptor = (next) => async (request) => {
    const token = await accessToken();
    if (token !== undefined) request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  const anonymous = createConnectTransport({ baseUrl: gatewayUrl });
  const authenticated: Transport = createConnectTransport({ baseUrl: gatewayUrl, interceptors: [bearer] });
  return {
    publicIdentity: createClient(IdentityService, anonymous),
    identity: createClient(IdentityService, authenticated),
    player: createClient(PlayerService, authenticated),
    combat: createClient(CombatService, authenticated),
    progression: createClient(ProgressionService, authenticated),
    inventory: createClient(InventoryService, authenticated),
    trading: createClient(TradingService, authenticated),
    guild: createClient(GuildService, authenticated),
    chat: createClient(ChatService, authenticated),
    notification: createClient(NotificationService, authenticated),
    liveops: createClient(LiveopsService, authenticated),
    matchmaking: createClient(MatchmakingService, authenticated),
    world: createClient(WorldService, authenticated),
    payment: createClient(PaymentService, authenticated),
    anticheat: createClient(AnticheatService, authenticated),
    audit: createClient(AuditService, authenticated),
    analytics: createClient(AnalyticsService, authenticated),
    gateway: createClient(GatewayService, authenticated),
  };
}
