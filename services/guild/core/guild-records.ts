import type { GuildJoinPolicy, GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";

/** A character as guild knows it from player's events. */
export interface CharacterRecord {
  readonly characterId: string;
  readonly playerId: string;
  readonly name: string;
  readonly deleted: boolean;
}

/** Where a guild is: 'founding' until its fee is charged, 'disbanding' until its bank is returned. */
export type GuildStateName = "founding" | "active" | "disbanding" | "disbanded";

export interface GuildRecord {
  readonly guildId: string;
  readonly name: string;
  readonly tag: string;
  readonly description: string;
  readonly joinPolicy: GuildJoinPolicy;
  readonly state: GuildStateName;
  readonly leaderCharacterId: string;
  readonly founderCharacterId: string;
  readonly creationKey: string;
  readonly fee: bigint;
  readonly createdAt: Date;
  readonly memberCount: number;
  /** The bank balance being returned, once a disbanding guild has read it. */
  readonly disbandAmount: bigint | undefined;
  readonly returnedGold: bigint;
  readonly unreturnedGold: bigint;
}

/** A guild about to be founded. */
export type NewGuild = Omit<GuildRecord, "createdAt" | "memberCount" | "disbandAmount" | "returnedGold" | "unreturnedGold">;

/** What is special about a role (see GuildRoleKind). */
export type RoleKind = "leader" | "entry" | "standard";

export interface RoleRecord {
  readonly roleId: string;
  readonly guildId: string;
  readonly name: string;
  readonly rank: number;
  readonly kind: RoleKind;
  readonly permissions: readonly GuildPermission[];
  readonly dailyWithdrawalLimit: bigint;
}

export interface MemberRecord {
  readonly guildId: string;
  readonly characterId: string;
  readonly characterName: string;
  readonly role: RoleRecord;
  readonly joinedAt: Date;
}

export type InviteStateName = "pending" | "accepted" | "declined" | "revoked" | "expired";

export interface InviteRecord {
  readonly inviteId: string;
  readonly guildId: string;
  readonly guildName: string;
  readonly guildTag: string;
  readonly characterId: string;
  readonly characterName: string;
  readonly invitedByCharacterId: string;
  readonly invitedByCharacterName: string;
  readonly state: InviteStateName;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Pending, but past its expiry (the expiry job has not marked it yet). */
  readonly lapsed: boolean;
}

export type JoinRequestStateName = "pending" | "approved" | "rejected" | "withdrawn";

export interface JoinRequestRecord {
  readonly joinRequestId: string;
  readonly guildId: string;
  readonly characterId: string;
  readonly characterName: string;
  readonly message: string;
  readonly state: JoinRequestStateName;
  readonly decidedByCharacterId: string | undefined;
  readonly createdAt: Date;
}

export type TransferDirection = "deposit" | "withdrawal";

/** A deposit or withdrawal: the intent while pending, the outcome once completed. */
export interface BankTransferRecord {
  readonly transferId: string;
  readonly guildId: string;
  readonly characterId: string;
  readonly direction: TransferDirection;
  readonly amount: bigint;
  readonly idempotencyKey: string;
  readonly state: "pending" | "completed";
  readonly createdAt: Date;
  readonly outcome: TransferOutcome | undefined;
}

/** What inventory answered for a completed transfer. */
export interface TransferOutcome {
  readonly transactionId: string;
  readonly bankBalanceAfter: bigint;
  readonly walletBalanceAfter: bigint;
}

/** One movement of a guild bank, from inventory's ledger. */
export interface BankEntryRecord {
  readonly entryId: string;
  readonly transactionId: string;
  readonly direction: TransferDirection;
  /** The character on the other side, when the other side is a wallet. */
  readonly characterId: string;
  readonly counterAccount: string;
  readonly amount: bigint;
  readonly balanceAfter: bigint;
  readonly createdAt: Date;
}

/** A page of a listing and where the next one starts (undefined on the last page). */
export interface Page<T, Cursor> {
  readonly items: readonly T[];
  readonly next: Cursor | undefined;
}
