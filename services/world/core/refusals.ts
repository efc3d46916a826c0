import { ErrorReason } from "@chaos/gen/chaos/world/v1/errors_pb.js";
import { DomainError } from "@chaos/mesh/domain";

// Every refusal of world, in one place: the message a player reads and the metadata a client branches on.

export const zoneNotFound = (zoneId: string) => new DomainError(ErrorReason.ZONE_NOT_FOUND, `no zone ${zoneId}`, { zone_id: zoneId });
export const territoryNotFound = (territoryId: string) =>
  new DomainError(ErrorReason.TERRITORY_NOT_FOUND, `no territory ${territoryId}`, { territory_id: territoryId });
export const notCharacterOwner = (characterId: string) =>
  new DomainError(ErrorReason.NOT_CHARACTER_OWNER, `character ${characterId} is not one of yours`, { character_id: characterId });
export const notAGuildMember = (characterId: string) =>
  new DomainError(ErrorReason.NOT_A_GUILD_MEMBER, "only a guild's members capture territories; join a guild first", { character_id: characterId });
export const zoneClosed = (zoneId: string, reason: string) =>
  new DomainError(ErrorReason.ZONE_CLOSED, `zone ${zoneId} is closed (${reason}); captures start once it opens`, { zone_id: zoneId, reason });
export const notAtTerritory = (territoryId: string) =>
  new DomainError(ErrorReason.NOT_AT_TERRITORY, `your character must stand in territory ${territoryId} to capture it`, { territory_id: territoryId });
export const alreadyControlled = (guildId: string) =>
  new DomainError(ErrorReason.ALREADY_CONTROLLED, "your guild holds this territory already", { guild_id: guildId });
export const captureInProgress = (captureId: string) =>
  new DomainError(ErrorReason.CAPTURE_IN_PROGRESS, "a capture runs here already; your guild's members present contend in it", { capture_id: captureId });
export const captureIdReused = (captureId: string) =>
  new DomainError(ErrorReason.CAPTURE_ID_REUSED, "this capture id was used for another capture; use a new one", { capture_id: captureId });
export const notAnAdmin = () => new DomainError(ErrorReason.NOT_AN_ADMIN, "only admins may open and close zones");
export const tooManyStreams = (max: number, retryAfterMs: number) =>
  new DomainError(ErrorReason.TOO_MANY_STREAMS, `a player may have at most ${max} territory streams open; close one first`, { max_streams: String(max) }, { retryAfterMs });
export const tickInFuture = (currentTick: number) =>
  new DomainError(ErrorReason.TICK_IN_FUTURE, `that tick has not come yet (the current one is ${currentTick})`, { current_tick: String(currentTick) });
