import { randomUUID } from "node:crypto";
import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import type { RoleRecord } from "./guild-records.js";

/** Every permission there is: the leader's role lists them all. */
export const allPermissions: readonly GuildPermission[] = [
  GuildPermission.INVITE,
  GuildPermission.KICK,
  GuildPermission.PROMOTE,
  GuildPermission.WITHDRAW,
  GuildPermission.EDIT_ROLES,
];

/**
 * The roles every guild starts with, spaced out in rank so that the guild
 * can put its own roles in between: Leader (1, everything), Officer (10:
 * invite, kick, promote, withdraw up to `officerDailyLimit`), Member (20:
 * invite) and Recruit (30, the entry role: nothing but depositing).
 */
export function defaultRoles(guildId: string, officerDailyLimit: bigint): RoleRecord[] {
  const role = (name: string, rank: number, kind: RoleRecord["kind"], permissions: readonly GuildPermission[], dailyWithdrawalLimit = 0n): RoleRecord => ({
    roleId: randomUUID(),
    guildId,
    name,
    rank,
    kind,
    permissions,
    dailyWithdrawalLimit,
  });
  return [
    role("Leader", 1, "leader", allPermissions),
    role("Officer", 10, "standard", [GuildPermission.INVITE, GuildPermission.KICK, GuildPermission.PROMOTE, GuildPermission.WITHDRAW], officerDailyLimit),
    role("Member", 20, "standard", [GuildPermission.INVITE]),
    role("Recruit", 30, "entry", []),
  ];
}
