import { GuildPermission, GuildRoleKind, type GuildRole } from "@chaos/gen/chaos/guild/v1/guild_pb.js";

/** Every permission a role can have, with what it lets a member do, in the order the role editor lists them. */
export const guildPermissions: ReadonlyArray<readonly [GuildPermission, label: string]> = [
  [GuildPermission.INVITE, "Invite"],
  [GuildPermission.KICK, "Remove members"],
  [GuildPermission.PROMOTE, "Change roles"],
  [GuildPermission.WITHDRAW, "Withdraw gold"],
  [GuildPermission.EDIT_ROLES, "Edit roles"],
];

/** Whether `role` allows `permission` (the leader's role allows everything). */
export function allows(role: GuildRole | undefined, permission: GuildPermission): boolean {
  if (role === undefined) return false;
  return role.kind === GuildRoleKind.LEADER || role.permissions.includes(permission);
}
