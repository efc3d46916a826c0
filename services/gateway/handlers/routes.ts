import type { DescService } from "@bufbuild/protobuf";
import { CombatService } from "@chaos/gen/chaos/combat/v1/combat_service_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { InventoryService } from "@chaos/gen/chaos/inventory/v1/inventory_service_pb.js";
import { PlayerService } from "@chaos/gen/chaos/player/v1/player_service_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import { clientAddressHeader, clientUserAgentHeader } from "@chaos/mesh";

/** A public API the gateway serves unchanged by forwarding it to the service that owns it. */
export interface Route {
  readonly service: DescService;
  /** The owning workload. */
  readonly owner: string;
  /** Request headers of the edge call passed on to the owner. */
  readonly forwardHeaders: readonly string[];
}

/**
 * The routing table: every public service and its owner. Identity records
 * where a login came from, so it gets the client's address (set by the
 * edge face, never by the client).
 */
export const publicRoutes: readonly Route[] = [
  { service: IdentityService, owner: "identity", forwardHeaders: [clientAddressHeader, clientUserAgentHeader] },
  { service: PlayerService, owner: "player", forwardHeaders: [] },
  { service: CombatService, owner: "combat", forwardHeaders: [] },
  { service: InventoryService, owner: "inventory", forwardHeaders: [] },
  { service: ProgressionService, owner: "progression", forwardHeaders: [] },
];

/** Methods anyone may call without an access token ("/package.Service/Method"). */
export const openMethods: ReadonlySet<string> = new Set([
  `/${IdentityService.typeName}/${IdentityService.method.register.name}`,
  `/${IdentityService.typeName}/${IdentityService.method.login.name}`,
  `/${IdentityService.typeName}/${IdentityService.method.refreshSession.name}`,
  `/${GatewayService.typeName}/${GatewayService.method.getServerInfo.name}`,
]);

/** The contract packages this gateway serves, e.g. "chaos.combat.v1" (what GetServerInfo reports). */
export function servedApiVersions(): string[] {
  return [...new Set([GatewayService, ...publicRoutes.map((r) => r.service)].map((s) => s.file.proto.package))].sort();
}
