import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { StreamItemKind, StreamTerritoriesResponseSchema, type StreamTerritoriesResponse, type WorldService } from "@chaos/gen/chaos/world/v1/world_service_pb.js";
import { actsAsAdmin, principalOf, requirePrincipal } from "@chaos/mesh/server";
import type { Captures } from "../core/captures.js";
import type { TerritoryUpdate } from "../core/live.js";
import { territoryNotFound, zoneNotFound } from "../core/refusals.js";
import { toTerritory, toZone } from "../core/territory-message.js";
import { StreamFellBehind, type TerritoryStreams } from "../core/territory-streams.js";
import { withPresence } from "../core/territory-views.js";
import type { WorldReads } from "../core/world-store.js";
import type { ZoneActor, Zones } from "../core/zones.js";

/** What the handlers drive. */
export interface WorldFlows {
  readonly reads: WorldReads;
  readonly captures: Captures;
  readonly zones: Zones;
  readonly streams: TerritoryStreams;
}

/** The public API: players read the world and capture through their own characters (token subject = player id); admins open and close zones. */
export function createWorldHandlers(flows: WorldFlows): ServiceImpl<typeof WorldService> {
  const { reads } = flows;
  // One live update goes to every stream of the replica as the same object: its answer is built once.
  const answers = new WeakMap<TerritoryUpdate, StreamTerritoriesResponse>();
  const changedAnswer = (update: TerritoryUpdate) => {
    let answer = answers.get(update);
    if (answer === undefined) {
      answer = create(StreamTerritoriesResponseSchema, { kind: StreamItemKind.CHANGED, territory: update.territory, change: update.change });
      answers.set(update, answer);
    }
    return answer;
  };
  const live = create(StreamTerritoriesResponseSchema, { kind: StreamItemKind.LIVE });
  const actor = (context: HandlerContext): ZoneActor => ({ admin: actsAsAdmin(context), accountId: principalOf(context)?.subject ?? "" });
  const requireZone = async (zoneId: string) => {
    const zone = await reads.zone(zoneId);
    if (zone === undefined) throw zoneNotFound(zoneId);
    return zone;
  };
  return {
    async listZones() {
      return { zones: (await reads.zones()).map(toZone) };
    },
    async getZone(request) {
      return { zone: toZone(await requireZone(request.zoneId)) };
    },
    async listTerritories(request) {
      await requireZone(request.zoneId);
      return { territories: (await withPresence(reads, await reads.territories(request.zoneId))).map(toTerritory) };
    },
    async getTerritory(request) {
      const territory = await reads.territory(request.territoryId);
      if (territory === undefined) throw territoryNotFound(request.territoryId);
      return { territory: toTerritory((await withPresence(reads, [territory]))[0]!) };
    },
    async startTerritoryCapture(request, context) {
      const view = await flows.captures.start(requirePrincipal(context).subject, {
        captureId: request.captureId,
        characterId: request.characterId,
        territoryId: request.territoryId,
      });
      return { territory: toTerritory(view) };
    },
    async *streamTerritories(request, context) {
      const principal = requirePrincipal(context);
      const zoneId = request.zoneId === "" ? undefined : request.zoneId;
      if (zoneId !== undefined) await requireZone(zoneId);
      // The stream ends when the access token expires: the client re-opens it with a fresh one.
      const ends = AbortSignal.any([context.signal, AbortSignal.timeout(Math.max(0, principal.expiresAt.getTime() - Date.now()))]);
      try {
        for await (const item of flows.streams.open(principal.subject, zoneId, ends)) {
          if (item.kind === "live") yield live;
          else if (item.kind === "changed") yield changedAnswer(item.update);
          else yield create(StreamTerritoriesResponseSchema, { kind: StreamItemKind.SNAPSHOT, territory: item.update.territory, change: item.update.change });
        }
      } catch (error) {
        if (error instanceof StreamFellBehind) throw new ConnectError(error.message, Code.Unavailable);
        throw error;
      }
    },
    async openZone(request, context) {
      return { zone: toZone(await flows.zones.open(actor(context), request.zoneId)) };
    },
    async closeZone(request, context) {
      return { zone: toZone(await flows.zones.close(actor(context), request.zoneId, request.reason)) };
    },
  };
}
