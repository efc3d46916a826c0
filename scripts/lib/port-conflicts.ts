/**
 * Before `npm start` spawns services: which of the ports they are about to
 * listen on something else already holds, named after the service and face
 * the registry gives them, instead of one EADDRINUSE stack trace per service.
 */
import { createFileDiscovery, type ServiceEndpoint } from "@chaos/mesh";
import { portInUse } from "../infra/proc.js";

/** A port one of ours is about to listen on, and whose it is. */
export interface PortClaim {
  readonly port: number;
  /** e.g. "gateway's edge port". */
  readonly owner: string;
}

const faces: ReadonlyArray<readonly [keyof ServiceEndpoint, string]> = [
  ["internal", "internal"],
  ["edge", "edge"],
  ["edgeHttp1", "edge HTTP/1.1"],
  ["admin", "admin"],
];

/** The ports the registry gives these services. A service missing from the registry says so itself when it starts. */
export function registryPortClaims(registryFile: string, services: readonly string[]): PortClaim[] {
  const discovery = createFileDiscovery(registryFile, {});
  return services.flatMap((service) => {
    let endpoint: ServiceEndpoint;
    try {
      endpoint = discovery.resolve(service);
    } catch {
      return [];
    }
    return faces.flatMap(([face, label]) => {
      const port = Number(endpoint[face]?.split(":").pop());
      return Number.isInteger(port) && port > 0 ? [{ port, owner: `${service}'s ${label} port` }] : [];
    });
  });
}

/** The claims whose port already accepts connections, in the order given. */
export async function busyPorts(claims: readonly PortClaim[]): Promise<PortClaim[]> {
  const busy = await Promise.all(claims.map((claim) => portInUse(claim.port)));
  return claims.filter((_, i) => busy[i]);
}

/** What `npm start` prints when ports it needs are taken. */
export function portConflictMessage(busy: readonly PortClaim[], registryFile: string): string {
  return [
    `Cannot start: ${busy.length === 1 ? "a port" : "ports"} of Chaos World ${busy.length === 1 ? "is" : "are"} already in use by another process:`,
    ...busy.map((claim) => `  port ${claim.port} (${claim.owner})`),
    `Stop what listens there (another Chaos World from a different checkout or data directory?), or change the ports in ${registryFile}.`,
  ].join("\n");
}
