import { memberJoined, type Admission } from "./guild-events.js";
import type { CharacterRecord, GuildRecord, MemberRecord } from "./guild-records.js";
import type { GuildTransaction } from "./guild-store.js";
import { alreadyInGuild, guildDisbanding, guildFull, guildNotFound } from "./refusals.js";

/**
 * Lets a character into a guild with its entry role, inside the caller's
 * transaction, which holds the guild's lock (so the member count checked
 * here is the one the insert adds to). The character's pending join
 * requests elsewhere are withdrawn: it has a guild now.
 */
export async function admit(tx: GuildTransaction, guild: GuildRecord, character: CharacterRecord, admission: Admission, maxMembers: number): Promise<MemberRecord> {
  if (guild.state === "disbanding") throw guildDisbanding(guild.guildId);
  if (guild.state !== "active") throw guildNotFound(guild.guildId);
  const current = await tx.member(character.characterId);
  if (current !== undefined) throw alreadyInGuild(character.characterId, current.guildId);
  if ((await tx.memberCount(guild.guildId)) >= maxMembers) throw guildFull(maxMembers);
  const entryRole = (await tx.roles(guild.guildId)).find((r) => r.kind === "entry");
  if (entryRole === undefined) throw new Error(`guild ${guild.guildId} has no entry role`);
  // The primary key on the character settles a race with a join elsewhere.
  if (!(await tx.insertMember(guild.guildId, character.characterId, entryRole.roleId))) {
    throw alreadyInGuild(character.characterId, (await tx.member(character.characterId))?.guildId ?? "");
  }
  await tx.withdrawJoinRequestsOf(character.characterId);
  const member = (await tx.member(character.characterId))!;
  await tx.publish([memberJoined(member, guild.name, admission)]);
  return member;
}
