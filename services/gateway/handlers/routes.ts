import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { methodPath, publicRoutesOf, type AnyServiceManifest, type PublicRoute } from "@chaos/mesh/server";

/** A public API the gateway serves unchanged by forwarding it to the service that owns it. */
export type Route = PublicRoute;

/** The gateway's public surface, derived from every service's manifest (what each declares public). */
export interface PublicSurface {
  /** Every public service of the other services, with its owner. */
  readonly routes: readonly Route[];
  /** Methods anyone may call without an access token ("/package.Service/Method"). */
  readonly openMethods: ReadonlySet<string>;
  /** Methods refused while the rate limiter cannot answer ("/package.Service/Method"). */
  readonly strictlyLimited: ReadonlySet<string>;
  /** Methods a suspended or banned player's appeal token may call ("/package.Service/Method"). */
  readonly appealMethods: ReadonlySet<string>;
  /** The contract packages this gateway serves, e.g. "chaos.combat.v1" (what GetServerInfo reports). */
  readonly apiVersions: readonly string[];
}

/** The public surface of the system whose manifests are `manifests`; `gateway` is the gateway's own. */
export function publicSurfaceOf(manifests: readonly AnyServiceManifest[], gateway: AnyServiceManifest): PublicSurface {
  const routes = publicRoutesOf(manifests, gateway.name);
  const own = gateway.serves.flatMap(({ service, public: api }) => (api?.openMethods ?? []).map((local) => methodPath(service, local)));
  return {
    routes,
    openMethods: new Set([...own, ...routes.flatMap((route) => route.openMethods)]),
    strictlyLimited: new Set(routes.flatMap((route) => route.strictlyLimited)),
    appealMethods: new Set(routes.flatMap((route) => route.appealMethods)),
    apiVersions: [...new Set([GatewayService, ...routes.map((r) => r.service)].map((s) => s.file.proto.package))].sort(),
  };
}
