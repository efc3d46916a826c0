import type { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { CharacterRecord, GuildRecord, MemberRecord, RoleRecord } from "./guild-records.js";
import type { GuildReads, GuildTransaction } from "./guild-store.js";
import { guildDisbanding, notAMember, notCharacterOwner, permissionMissing, rankTooLow } from "./refusals.js";

/**
 * The acting character, checked to be the caller's and alive. One refusal,
 * NOT_CHARACTER_OWNER, for someone else's character and for one that does
 * not exist (or is not known here yet): a caller learns nothing about
 * characters that are not theirs.
 */
export async function requireActor(reads: GuildReads, playerId: string, characterId: string): Promise<CharacterRecord> {
  const character = await reads.character(characterId);
  if (character === undefined || character.deleted || character.playerId !== playerId) throw notCharacterOwner(characterId);
  return character;
}

/** The actor's membership in an active guild, and that guild. */
export interface Membership {
  readonly member: MemberRecord;
  readonly guild: GuildRecord;
}

/**
 * The actor's membership, with its guild locked until commit ("exclusive"
 * for changes of the guild, "shared" for bank intents, which may run side by
 * side) and the membership row locked too. Locks are always taken guild
 * first, then members, so no two transactions wait on each other in a cycle.
 */
export async function lockMembership(tx: GuildTransaction, characterId: string, lock: "exclusive" | "shared"): Promise<Membership> {
  const seen = await tx.member(characterId);
  if (seen === undefined) throw notAMember();
  const guild = lock === "exclusive" ? await tx.lockGuild(seen.guildId) : await tx.shareGuild(seen.guildId);
  const member = await tx.lockMember(characterId);
  // Left (or moved) between the read and the lock.
  if (guild === undefined || member === undefined || member.guildId !== guild.guildId) throw notAMember();
  if (guild.state === "disbanding") throw guildDisbanding(guild.guildId);
  // A founding guild's founder is not a member yet, as far as others can tell.
  if (guild.state !== "active") throw notAMember();
  return { member, guild };
}

/** Whether the role allows `permission` (the leader's allows everything). */
export function allows(role: RoleRecord, permission: GuildPermission): boolean {
  return role.kind === "leader" || role.permissions.includes(permission);
}

export function requirePermission(member: MemberRecord, permission: GuildPermission): void {
  if (!allows(member.role, permission)) throw permissionMissing(permission);
}

/** A member acts only on members and roles ranked strictly below their own (a larger rank number). */
export function requireOutranks(actor: MemberRecord, targetRank: number): void {
  if (actor.role.rank >= targetRank) throw rankTooLow(actor.role.rank, targetRank);
}
