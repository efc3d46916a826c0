import { presenceIn, presenceList } from "./presence.js";
import { toChange, toTerritory } from "./territory-message.js";
import type { LiveTerritories, TerritoryUpdate } from "./live.js";
import type { WorldReads } from "./world-store.js";
import type { TerritoryRecord, TerritoryView } from "./world-records.js";

/** The territories with who stands in each now (one read of the members in their zones). */
export async function withPresence(reads: WorldReads, territories: readonly TerritoryRecord[]): Promise<TerritoryView[]> {
  if (territories.length === 0) return [];
  const members = await reads.membersIn([...new Set(territories.map((t) => t.zoneId))]);
  return territories.map((t) => ({ ...t, presence: presenceList(presenceIn(t, members)) }));
}

export const toUpdate = (view: TerritoryView): TerritoryUpdate => ({ territory: toTerritory(view), change: toChange(view.lastChange) });

/** Tells the streams, after commit; a lost notice is caught up by the sweep, so a failure is not the caller's. */
export async function announce(live: LiveTerritories, views: readonly TerritoryView[]): Promise<void> {
  if (views.length > 0) await live.changed(views.map(toUpdate)).catch(() => undefined);
}
