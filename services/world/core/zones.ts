import type { LiveTerritories } from "./live.js";
import { notAnAdmin, zoneNotFound } from "./refusals.js";
import { announce, withPresence } from "./territory-views.js";
import type { TickClock } from "./tick-clock.js";
import { zoneClosed, zoneOpened } from "./world-events.js";
import type { ZoneRecord } from "./world-records.js";
import type { WorldStore } from "./world-store.js";

/** Who opens or closes a zone: only an admin may (the operator workload with no end user counts as one). */
export interface ZoneActor {
  readonly admin: boolean;
  /** The admin's account id; '' for the operator. */
  readonly accountId: string;
}

/** Opening and closing zones. Each is idempotent: a zone already so is answered as it is, with no event. */
export interface Zones {
  open(actor: ZoneActor, zoneId: string): Promise<ZoneRecord>;
  close(actor: ZoneActor, zoneId: string, reason: string): Promise<ZoneRecord>;
}

export function createZones(store: WorldStore, deps: { clock: TickClock; live: LiveTerritories }): Zones {
  const { clock, live } = deps;
  return {
    async open(actor, zoneId) {
      if (!actor.admin) throw notAnAdmin();
      return store.transaction(async (tx) => {
        const zone = await tx.lockZone(zoneId, "update");
        if (zone === undefined) throw zoneNotFound(zoneId);
        if (zone.open) return zone;
        await tx.setZoneOpen(zoneId, true, "");
        await tx.publish([zoneOpened(zoneId, actor.accountId, clock.now())]);
        return (await tx.zone(zoneId))!;
      });
    },

    async close(actor, zoneId, reason) {
      if (!actor.admin) throw notAnAdmin();
      const { zone, views } = await store.transaction(async (tx) => {
        const found = await tx.lockZone(zoneId, "update");
        if (found === undefined) throw zoneNotFound(zoneId);
        if (!found.open) return { zone: found, views: [] };
        await tx.setZoneOpen(zoneId, false, reason);
        // A closed zone runs no contest: those running end without a winner (nobody may fight there meanwhile).
        const running = await tx.contestsIn(zoneId);
        for (const t of running) {
          await tx.endContest(t.contest!.captureId, "abandoned", undefined, t.contest!.contenders, t.contest!.lastTick);
          await tx.touchTerritory(t.territoryId, "abandoned");
        }
        await tx.publish([zoneClosed(zoneId, reason, actor.accountId, clock.now())]);
        const after = await Promise.all(running.map((t) => tx.territory(t.territoryId)));
        return { zone: (await tx.zone(zoneId))!, views: await withPresence(tx, after.map((t) => t!)) };
      });
      await announce(live, views);
      return zone;
    },
  };
}
