import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TerritoryCapturedSchema, TerritoryContestedSchema, TerritoryLostSchema, ZoneClosedSchema, ZoneOpenedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { topicName, type OutgoingEvent } from "@chaos/mesh/domain";
import type { TerritoryRecord } from "./world-records.js";

/** Zone events go to chaos.world.v1.zones keyed by zone; territory events to chaos.world.v1.territories keyed by territory (one territory's in order). */
function worldEvent<Desc extends DescMessage>(stream: "zones" | "territories", key: string, schema: Desc, init: MessageInitShape<Desc>): OutgoingEvent {
  return { topic: topicName("world", stream), aggregateId: key, schema, message: create(schema, init) };
}

export const zoneOpened = (zoneId: string, by: string, at: Date) => worldEvent("zones", zoneId, ZoneOpenedSchema, { zoneId, openedBy: by, openTime: timestampFromDate(at) });

export const zoneClosed = (zoneId: string, reason: string, by: string, at: Date) =>
  worldEvent("zones", zoneId, ZoneClosedSchema, { zoneId, reason, closedBy: by, closeTime: timestampFromDate(at) });

export const territoryContested = (t: TerritoryRecord, captureId: string, guildId: string, characterId: string, at: Date) =>
  worldEvent("territories", t.territoryId, TerritoryContestedSchema, {
    territoryId: t.territoryId,
    zoneId: t.zoneId,
    captureId,
    contestingGuildId: guildId,
    defendingGuildId: t.controllerGuildId ?? "",
    characterId,
    contestTime: timestampFromDate(at),
  });

/** A change of hands: TerritoryCaptured for the winner and, when someone held it, TerritoryLost for them. */
export function controlChanged(t: TerritoryRecord, captureId: string, winnerGuildId: string, tick: number, at: Date): OutgoingEvent[] {
  const captured = worldEvent("territories", t.territoryId, TerritoryCapturedSchema, {
    territoryId: t.territoryId,
    zoneId: t.zoneId,
    captureId,
    guildId: winnerGuildId,
    previousGuildId: t.controllerGuildId ?? "",
    tick: BigInt(tick),
    captureTime: timestampFromDate(at),
  });
  if (t.controllerGuildId === undefined) return [captured];
  return [captured, territoryLost(t, captureId, t.controllerGuildId, winnerGuildId, at)];
}

/** `capturedBy` is empty when the territory was released (its guild disbanded). */
export const territoryLost = (t: TerritoryRecord, captureId: string, guildId: string, capturedBy: string, at: Date) =>
  worldEvent("territories", t.territoryId, TerritoryLostSchema, {
    territoryId: t.territoryId,
    zoneId: t.zoneId,
    captureId,
    guildId,
    capturedByGuildId: capturedBy,
    loseTime: timestampFromDate(at),
  });
