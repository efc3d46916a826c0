import { randomUUID } from "node:crypto";
import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { allows, lockMembership, requireActor, requireOutranks, requirePermission } from "./actors.js";
import { roleCreated, roleDeleted, roleUpdated } from "./guild-events.js";
import type { MemberRecord, RoleRecord } from "./guild-records.js";
import type { GuildStore, RoleWrite } from "./guild-store.js";
import { permissionMissing, roleConflict, roleInUse, roleNotFound, roleProtected, tooManyRoles } from "./refusals.js";

/** What a role is made of, as the guild defines it. */
export interface RoleDefinition {
  readonly name: string;
  readonly rank: number;
  readonly permissions: readonly GuildPermission[];
  readonly dailyWithdrawalLimit: bigint;
}

/**
 * The guild's own roles, edited by members with GUILD_PERMISSION_EDIT_ROLES,
 * only below their own rank, and only with what they have themselves: a role
 * they define gets no permission they lack and, unless they lead, no higher
 * daily withdrawal limit than theirs (else an officer could mint a role that
 * empties the bank). The leader's role is fixed; the entry role stays.
 */
export interface Roles {
  create(playerId: string, actorCharacterId: string, definition: RoleDefinition): Promise<RoleRecord>;
  /** Replaces every field; the same definition again returns the role unchanged. */
  update(playerId: string, actorCharacterId: string, roleId: string, definition: RoleDefinition): Promise<RoleRecord>;
  delete(playerId: string, actorCharacterId: string, roleId: string): Promise<void>;
}

/** Refuses a definition that grants what the actor does not have. */
function requireGrantable(actor: MemberRecord, definition: RoleDefinition): void {
  for (const permission of definition.permissions) if (!allows(actor.role, permission)) throw permissionMissing(permission);
  if (actor.role.kind !== "leader" && definition.dailyWithdrawalLimit > actor.role.dailyWithdrawalLimit) throw permissionMissing(GuildPermission.WITHDRAW);
}

function requireWritten(write: RoleWrite): void {
  if (write === "name_taken") throw roleConflict("name");
  if (write === "rank_taken") throw roleConflict("rank");
}

/** Permissions once each, in enum order: how a role keeps them. */
const normalized = (permissions: readonly GuildPermission[]) => [...new Set(permissions)].sort((a, b) => a - b);

const sameRole = (a: RoleRecord, b: RoleRecord) =>
  a.name === b.name && a.rank === b.rank && a.dailyWithdrawalLimit === b.dailyWithdrawalLimit && a.permissions.join() === b.permissions.join();

export function createRoles(store: GuildStore, settings: { readonly maxRoles: number }): Roles {
  return {
    async create(playerId, actorCharacterId, definition) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.EDIT_ROLES);
        requireOutranks(actor, definition.rank);
        requireGrantable(actor, definition);
        if ((await tx.roles(guild.guildId)).length >= settings.maxRoles) throw tooManyRoles(settings.maxRoles);
        const role: RoleRecord = { roleId: randomUUID(), guildId: guild.guildId, kind: "standard", ...definition, permissions: normalized(definition.permissions) };
        requireWritten(await tx.insertRole(role));
        await tx.publish([roleCreated(role, actorCharacterId, new Date())]);
        return role;
      });
    },

    async update(playerId, actorCharacterId, roleId, definition) {
      await requireActor(store, playerId, actorCharacterId);
      return store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.EDIT_ROLES);
        const role = await tx.role(guild.guildId, roleId);
        if (role === undefined) throw roleNotFound(roleId);
        if (role.kind === "leader") throw roleProtected(roleId, "the leader's role cannot be edited");
        requireOutranks(actor, role.rank);
        requireOutranks(actor, definition.rank);
        requireGrantable(actor, definition);
        const updated: RoleRecord = { ...role, ...definition, permissions: normalized(definition.permissions) };
        if (sameRole(role, updated)) return role;
        requireWritten(await tx.updateRole(updated));
        await tx.publish([roleUpdated(role, updated, actorCharacterId, new Date())]);
        return updated;
      });
    },

    async delete(playerId, actorCharacterId, roleId) {
      await requireActor(store, playerId, actorCharacterId);
      await store.transaction(async (tx) => {
        const { member: actor, guild } = await lockMembership(tx, actorCharacterId, "exclusive");
        requirePermission(actor, GuildPermission.EDIT_ROLES);
        const role = await tx.role(guild.guildId, roleId);
        if (role === undefined) throw roleNotFound(roleId);
        if (role.kind !== "standard") throw roleProtected(roleId, role.kind === "leader" ? "the leader's role cannot be deleted" : "the entry role cannot be deleted");
        requireOutranks(actor, role.rank);
        const holders = await tx.roleHolders(roleId);
        if (holders > 0) throw roleInUse(holders);
        await tx.deleteRole(roleId);
        await tx.publish([roleDeleted(role, actorCharacterId, new Date())]);
      });
    },
  };
}
