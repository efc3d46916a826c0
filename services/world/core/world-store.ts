import type { OutgoingEvent } from "@chaos/mesh/domain";
import type { Catalogue } from "./catalogue.js";
import type { Contender, CaptureRecord, CharacterRecord, MemberPosition, TerritoryChangeName, TerritoryRecord, ZoneRecord } from "./world-records.js";

/** Reads, outside or inside a transaction. */
export interface WorldReads {
  /** Every zone, in catalogue order. */
  zones(): Promise<ZoneRecord[]>;
  zone(zoneId: string): Promise<ZoneRecord | undefined>;
  /** The territories of a zone (every zone when undefined), in catalogue order, with their running contests. */
  territories(zoneId: string | undefined): Promise<TerritoryRecord[]>;
  territory(territoryId: string): Promise<TerritoryRecord | undefined>;
  /** Each territory's revision: what a stream sweep compares. */
  revisions(): Promise<Map<string, bigint>>;
  character(characterId: string): Promise<CharacterRecord | undefined>;
  capture(captureId: string): Promise<CaptureRecord | undefined>;
  /** The last known positions of the living guild members standing in these zones. */
  membersIn(zoneIds: readonly string[]): Promise<MemberPosition[]>;
}

/** Changes that commit together with their events. */
export interface WorldTransaction extends WorldReads {
  /**
   * Takes the tick lock until commit, so one replica at a time runs a tick.
   * Without `wait`, false when another transaction holds it (that one does the work).
   */
  lockTicks(wait: boolean): Promise<boolean>;
  /** The territory, its row locked until commit: its contest and control change one transaction at a time. */
  lockTerritory(territoryId: string): Promise<TerritoryRecord | undefined>;
  /** The zone, its row locked until commit: "update" to change it, "share" to keep it as it is meanwhile. */
  lockZone(zoneId: string, mode: "share" | "update"): Promise<ZoneRecord | undefined>;
  /** Territories whose running contest has not had tick `tick` yet, locked, in a zone that is open. */
  contestsDue(tick: number): Promise<TerritoryRecord[]>;
  /** Territories of a zone with a running contest, locked. */
  contestsIn(zoneId: string): Promise<TerritoryRecord[]>;
  /** Records the capture and its running contest; false when the capture id is taken (a start for another territory got it meanwhile). */
  startContest(c: { captureId: string; territoryId: string; characterId: string; guildId: string; startedAt: Date; tick: number }): Promise<boolean>;
  /** Stores a tick's outcome of a running contest: its contenders and the tick it had. */
  saveContest(captureId: string, contenders: readonly Contender[], tick: number): Promise<void>;
  /** Ends a contest: captured, defended or abandoned (its last contenders kept for history). */
  endContest(captureId: string, outcome: "captured" | "defended" | "abandoned", winnerGuildId: string | undefined, contenders: readonly Contender[], tick: number): Promise<void>;
  /** Hands the territory to a guild (undefined: to nobody). */
  setControl(territoryId: string, guildId: string | undefined, since: Date): Promise<void>;
  /** Counts a change of the territory (its revision) and what it was. */
  touchTerritory(territoryId: string, change: TerritoryChangeName): Promise<void>;
  /** The territories a guild holds, locked. */
  heldBy(guildId: string): Promise<TerritoryRecord[]>;
  setZoneOpen(zoneId: string, open: boolean, reason: string): Promise<void>;
  recordCharacter(c: { characterId: string; playerId: string; position: { zoneId: string; x: number; y: number } | undefined }): Promise<void>;
  moveCharacter(characterId: string, position: { zoneId: string; x: number; y: number }): Promise<void>;
  markCharacterDeleted(characterId: string): Promise<void>;
  joinGuild(characterId: string, guildId: string): Promise<void>;
  /** Removes the character from the guild, if it is still in that one (a late leave of an old guild keeps the new one). */
  leaveGuild(characterId: string, guildId: string): Promise<void>;
  removeGuild(guildId: string): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** Reads outside any transaction, and the way into one. */
export interface WorldStore extends WorldReads {
  transaction<T>(work: (tx: WorldTransaction) => Promise<T>): Promise<T>;
  /** Adds the catalogue's new zones and territories and updates the others' descriptions (see Catalogue). */
  syncCatalogue(catalogue: Catalogue): Promise<void>;
}
