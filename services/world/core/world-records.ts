/** An axis-aligned rectangle of a zone's ground plane: min inclusive, max exclusive. */
export interface BoundsRecord {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

export interface ZoneRecord {
  readonly zoneId: string;
  readonly name: string;
  readonly bounds: BoundsRecord;
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly pvp: boolean;
  readonly open: boolean;
  /** '' while open. */
  readonly closeReason: string;
  readonly territoryCount: number;
}

/** What changed a territory last (the stream's TerritoryChange). */
export type TerritoryChangeName = "contested" | "progress" | "captured" | "defended" | "abandoned" | "released";

/** One guild's standing in a contest: 0-100. */
export interface Contender {
  readonly guildId: string;
  readonly progress: number;
}

/** A capture running on a territory. */
export interface ContestRecord {
  readonly captureId: string;
  readonly startedByGuildId: string;
  readonly startedAt: Date;
  /** The last tick applied to it (the tick it started in, before any). */
  readonly lastTick: number;
  /** Highest first. */
  readonly contenders: readonly Contender[];
}

export interface TerritoryRecord {
  readonly territoryId: string;
  readonly zoneId: string;
  readonly name: string;
  readonly bounds: BoundsRecord;
  readonly controllerGuildId: string | undefined;
  readonly controlSince: Date | undefined;
  readonly contest: ContestRecord | undefined;
  readonly revision: bigint;
  readonly lastChange: TerritoryChangeName | undefined;
}

/** A capture as StartTerritoryCapture recorded it (for its idempotency), whatever became of it. */
export interface CaptureRecord {
  readonly captureId: string;
  readonly territoryId: string;
  readonly characterId: string;
}

/** A character as world knows it from player's and guild's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  /** Its last known position; undefined until player told one. */
  readonly position: { readonly zoneId: string; readonly x: number; readonly y: number } | undefined;
  readonly guildId: string | undefined;
  readonly deleted: boolean;
}

/** Where a guild's member stands, as last known. */
export interface MemberPosition {
  readonly characterId: string;
  readonly guildId: string;
  readonly zoneId: string;
  readonly x: number;
  readonly y: number;
}

/** A territory with the guilds whose members stand in it now (most first). */
export interface TerritoryView extends TerritoryRecord {
  readonly presence: readonly { readonly guildId: string; readonly membersPresent: number }[];
}
