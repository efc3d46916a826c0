import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TerritoryChange } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { TerritorySchema, TerritoryState, ZoneSchema, type Territory, type Zone } from "@chaos/gen/chaos/world/v1/zone_pb.js";
import type { TerritoryChangeName, TerritoryView, ZoneRecord } from "./world-records.js";

export function toZone(z: ZoneRecord): Zone {
  return create(ZoneSchema, {
    zoneId: z.zoneId,
    name: z.name,
    bounds: z.bounds,
    minLevel: z.minLevel,
    maxLevel: z.maxLevel,
    pvp: z.pvp,
    open: z.open,
    closeReason: z.closeReason,
    territoryCount: z.territoryCount,
  });
}

export function toTerritory(t: TerritoryView): Territory {
  const state = t.contest !== undefined ? TerritoryState.CONTESTED : t.controllerGuildId !== undefined ? TerritoryState.CONTROLLED : TerritoryState.NEUTRAL;
  return create(TerritorySchema, {
    territoryId: t.territoryId,
    zoneId: t.zoneId,
    name: t.name,
    bounds: t.bounds,
    state,
    guildId: t.controllerGuildId ?? "",
    controlSinceTime: t.controlSince === undefined ? undefined : timestampFromDate(t.controlSince),
    contest:
      t.contest === undefined
        ? undefined
        : {
            captureId: t.contest.captureId,
            startedByGuildId: t.contest.startedByGuildId,
            startTime: timestampFromDate(t.contest.startedAt),
            lastTick: BigInt(t.contest.lastTick),
            contenders: t.contest.contenders.map((c) => ({ guildId: c.guildId, progress: c.progress })),
          },
    presence: t.presence.map((p) => ({ guildId: p.guildId, membersPresent: p.membersPresent })),
    revision: t.revision,
  });
}

const changes: Record<TerritoryChangeName, TerritoryChange> = {
  contested: TerritoryChange.CONTESTED,
  progress: TerritoryChange.PROGRESS,
  captured: TerritoryChange.CAPTURED,
  defended: TerritoryChange.DEFENDED,
  abandoned: TerritoryChange.ABANDONED,
  released: TerritoryChange.RELEASED,
};

export const toChange = (change: TerritoryChangeName | undefined): TerritoryChange => (change === undefined ? TerritoryChange.UNSPECIFIED : changes[change]);
