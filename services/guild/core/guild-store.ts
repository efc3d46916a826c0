import type { OutgoingEvent } from "@chaos/mesh/domain";
import type {
  BankTransferRecord,
  CharacterRecord,
  GuildRecord,
  GuildStateName,
  InviteRecord,
  InviteStateName,
  JoinRequestRecord,
  JoinRequestStateName,
  MemberRecord,
  NewGuild,
  Page,
  RoleRecord,
  TransferDirection,
  TransferOutcome,
} from "./guild-records.js";
import type { GuildJob } from "./guild-jobs.js";

/** Where a members listing continues: after this rank and join position. */
export interface MemberCursor {
  readonly rank: number;
  readonly seq: string;
}

/** Where a guild search continues: after this lower-cased name and id. */
export interface GuildCursor {
  readonly name: string;
  readonly guildId: string;
}

/** Reads, outside a transaction or inside one. */
export interface GuildReads {
  character(characterId: string): Promise<CharacterRecord | undefined>;
  /** A guild in any state (founding and disbanded included). */
  guild(guildId: string): Promise<GuildRecord | undefined>;
  /** The guild's roles, highest (rank 1) first. */
  roles(guildId: string): Promise<RoleRecord[]>;
  role(guildId: string, roleId: string): Promise<RoleRecord | undefined>;
  /** The character's membership, in whichever guild. */
  member(characterId: string): Promise<MemberRecord | undefined>;
  /** Active guilds whose name or tag starts with `query` (ignoring case), by name. */
  searchGuilds(query: string, after: GuildCursor | undefined, limit: number): Promise<Page<GuildRecord, GuildCursor>>;
  /** A guild's members by rank, then join order. */
  members(guildId: string, after: MemberCursor | undefined, limit: number): Promise<Page<MemberRecord, MemberCursor>>;
  invite(inviteId: string): Promise<InviteRecord | undefined>;
  /** Pending, unexpired invites of a character, newest first. */
  invitesOfCharacter(characterId: string, before: string | undefined, limit: number): Promise<Page<InviteRecord, string>>;
  /** Pending, unexpired invites of a guild, newest first. */
  invitesOfGuild(guildId: string, before: string | undefined, limit: number): Promise<Page<InviteRecord, string>>;
  /** Pending join requests of a guild, oldest first. */
  joinRequestsOfGuild(guildId: string, after: string | undefined, limit: number): Promise<Page<JoinRequestRecord, string>>;
  /** Pending, unexpired invites of a guild. */
  pendingInviteCount(guildId: string): Promise<number>;
  pendingJoinRequestCount(guildId: string): Promise<number>;
  /** Gold the character withdrew (or is withdrawing: pending counts) from the guild's bank since 00:00 UTC. */
  withdrawnToday(guildId: string, characterId: string): Promise<bigint>;
}

/** Outcomes of inserts guarded by unique indexes. */
export type GuildInsert = "inserted" | "name_taken" | "tag_taken" | "key_taken";
export type RoleWrite = "written" | "name_taken" | "rank_taken";

/** Changes that commit together with the events and jobs describing them. */
export interface GuildTransaction extends GuildReads {
  recordCharacter(characterId: string, playerId: string, name: string): Promise<void>;
  /** False when the character was unknown or already deleted. */
  markCharacterDeleted(characterId: string): Promise<boolean>;

  guildByCreationKey(founderCharacterId: string, creationKey: string): Promise<GuildRecord | undefined>;
  insertGuild(guild: NewGuild): Promise<GuildInsert>;
  /** Removes a guild that never became active, with its roles and its founder's membership. */
  deleteFoundingGuild(guildId: string): Promise<void>;
  /** The guild, locked until commit: every change of its members, roles, invites or state takes this lock first. */
  lockGuild(guildId: string): Promise<GuildRecord | undefined>;
  /** The guild, share-locked until commit: bank intents take it, so a guild cannot start disbanding under them. */
  shareGuild(guildId: string): Promise<GuildRecord | undefined>;
  setGuildState(guildId: string, state: GuildStateName): Promise<void>;
  setLeader(guildId: string, characterId: string): Promise<void>;
  setDisbandAmount(guildId: string, amount: bigint): Promise<void>;
  finishDisband(guildId: string, returnedGold: bigint, unreturnedGold: bigint): Promise<void>;

  insertRole(role: RoleRecord): Promise<RoleWrite>;
  updateRole(role: RoleRecord): Promise<RoleWrite>;
  deleteRole(roleId: string): Promise<void>;
  /** How many members hold the role. */
  roleHolders(roleId: string): Promise<number>;

  /** The membership, locked until commit. */
  lockMember(characterId: string): Promise<MemberRecord | undefined>;
  /** False when the character is a member of a guild already (this one or another). */
  insertMember(guildId: string, characterId: string, roleId: string): Promise<boolean>;
  removeMember(characterId: string): Promise<void>;
  /** Removes every member; returns who they were. */
  removeAllMembers(guildId: string): Promise<string[]>;
  setMemberRole(characterId: string, roleId: string): Promise<void>;
  memberCount(guildId: string): Promise<number>;
  /** The highest-ranked member but `excludedCharacterId` (the earliest to join among equals). */
  successor(guildId: string, excludedCharacterId: string): Promise<MemberRecord | undefined>;

  /** A new pending invite expiring `ttlSeconds` from now (the database's clock). */
  insertInvite(guildId: string, characterId: string, invitedByCharacterId: string, ttlSeconds: number): Promise<InviteRecord>;
  /** The invite, locked until commit. */
  lockInvite(inviteId: string): Promise<InviteRecord | undefined>;
  /** The guild's pending invite of the character (lapsed or not), locked. */
  lockPendingInvite(guildId: string, characterId: string): Promise<InviteRecord | undefined>;
  closeInvite(inviteId: string, state: Exclude<InviteStateName, "pending">): Promise<InviteRecord>;
  /** Marks the guild's pending invites revoked (the guild is going away). */
  revokeGuildInvites(guildId: string): Promise<void>;

  insertJoinRequest(guildId: string, characterId: string, message: string): Promise<JoinRequestRecord>;
  lockJoinRequest(joinRequestId: string): Promise<JoinRequestRecord | undefined>;
  pendingJoinRequest(guildId: string, characterId: string): Promise<JoinRequestRecord | undefined>;
  closeJoinRequest(joinRequestId: string, state: Exclude<JoinRequestStateName, "pending">, decidedByCharacterId: string | undefined): Promise<JoinRequestRecord>;
  /** Withdraws the character's pending join requests (it joined a guild, or was deleted). */
  withdrawJoinRequestsOf(characterId: string): Promise<void>;
  /** Withdraws the guild's pending join requests (the guild is going away). */
  withdrawGuildJoinRequests(guildId: string): Promise<void>;

  transferByKey(characterId: string, idempotencyKey: string): Promise<BankTransferRecord | undefined>;
  /** A new pending transfer; when the character's key is taken (a concurrent call with it), the transfer recorded under it. */
  insertTransfer(transfer: {
    guildId: string;
    characterId: string;
    direction: TransferDirection;
    amount: bigint;
    idempotencyKey: string;
  }): Promise<{ transfer: BankTransferRecord; inserted: boolean }>;
  /** The transfer, locked until commit: whoever settles it holds this lock while asking inventory. */
  lockTransfer(transferId: string): Promise<BankTransferRecord | undefined>;
  completeTransfer(transferId: string, outcome: TransferOutcome): Promise<void>;
  deleteTransfer(transferId: string): Promise<void>;
  hasPendingTransfers(guildId: string): Promise<boolean>;

  /** Enqueues jobs of the mesh's queue: they exist, and run, only if the transaction commits. */
  schedule(jobs: readonly GuildJob[]): Promise<void>;
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/** Guild's state, and the way into a transaction. */
export interface GuildStore extends GuildReads {
  transaction<T>(work: (tx: GuildTransaction) => Promise<T>): Promise<T>;
}
