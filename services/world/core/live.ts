import type { TerritoryChange } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import type { Territory } from "@chaos/gen/chaos/world/v1/zone_pb.js";

/** A territory after a change, as streams send it. */
export interface TerritoryUpdate {
  readonly territory: Territory;
  readonly change: TerritoryChange;
}

/**
 * Tells every world replica about committed territory changes, for their
 * open streams. At most once: a lost notice is caught up by each replica's
 * sweep of the territories' revisions, so callers may ignore failures.
 */
export interface LiveTerritories {
  changed(updates: readonly TerritoryUpdate[]): Promise<void>;
}
