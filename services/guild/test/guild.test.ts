import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  GuildBankDepositedSchema,
  GuildBankWithdrawnSchema,
  GuildCreatedSchema,
  GuildDisbandedSchema,
  InviteRevokedSchema,
  LeadershipChangeReason,
  LeadershipTransferredSchema,
  LeaveReason,
  MemberJoinedSchema,
  MemberKickedSchema,
  MemberLeftSchema,
  RoleUpdatedSchema,
} from "@chaos/gen/chaos/guild/v1/events_pb.js";
import {
  BankEntryDirection,
  GuildJoinPolicy,
  GuildPermission,
  GuildRoleKind,
  GuildState,
  InviteState,
  JoinRequestState,
  type GuildRole,
} from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { LedgerEntryKind } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { guildWorld, messagesOf, starterGold, uniqueName, uniqueTag } from "./guild-world.js";

const fee = 30n;
const maxMembers = 5;
const maxPendingInvites = 3;
const officerLimit = 40n;

// Player is not in the stack: the test announces characters with player's events, as its outbox relay would.
const stack = useStack(["identity", "inventory", "guild"], {
  env: {
    CHAOS_GUILD_CREATION_FEE: String(fee),
    CHAOS_GUILD_MAX_MEMBERS: String(maxMembers),
    CHAOS_GUILD_MAX_PENDING_INVITES: String(maxPendingInvites),
    CHAOS_GUILD_MAX_ROLES: "6",
    CHAOS_GUILD_OFFICER_DAILY_WITHDRAWAL_LIMIT: String(officerLimit),
  },
});
const world = guildWorld(stack);
const guild = world.guild;

/** Founds a guild led by `leader` (one of `player`'s characters). */
async function found(player: TestPlayer, leader: string, options: { joinPolicy?: GuildJoinPolicy } = {}) {
  const created = await guild().createGuild(
    { actorCharacterId: leader, name: uniqueName("Guild"), tag: uniqueTag(), description: "", joinPolicy: options.joinPolicy ?? GuildJoinPolicy.INVITE_ONLY, idempotencyKey: randomUUID() },
    player.asPlayer,
  );
  return { guildId: created.guild!.guildId, roles: created.roles, created };
}

const roleNamed = (roles: readonly GuildRole[], name: string) => roles.find((r) => r.name === name)!;

/** Invites `characterId` into the leader's guild and accepts as its player. */
async function join(leaderPlayer: TestPlayer, leader: string, player: TestPlayer, characterId: string) {
  const { invite } = await guild().inviteMember({ actorCharacterId: leader, characterId }, leaderPlayer.asPlayer);
  return (await guild().acceptInvite({ actorCharacterId: characterId, inviteId: invite!.inviteId }, player.asPlayer)).member!;
}

/** What a refusal must leave unchanged: the guild as its leader sees it. */
async function snapshot(player: TestPlayer, characterId: string) {
  const mine = await guild().getMyGuild({ actorCharacterId: characterId }, player.asPlayer);
  const members = await guild().listMembers({ guildId: mine.guild?.guildId ?? randomUUID(), pageSize: 100 }, player.asPlayer).catch(() => undefined);
  return { mine, members: members?.members };
}

describe("guild (real processes: identity + inventory + guild; player's events published by the test)", () => {
  it("founds a guild for its fee, charged once per key through the ledger, with unique names ignoring case", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [founder] = await world.newCharacters(alice, 1);
    const [rival, poor, other] = await world.newCharacters(bob, 3);
    const name = uniqueName("Iron Wolves");
    const tag = uniqueTag();
    const request = { actorCharacterId: founder!, name, tag, description: "We howl.", joinPolicy: GuildJoinPolicy.OPEN, idempotencyKey: randomUUID() };

    const created = await guild().createGuild(request, alice.asPlayer);
    expect(created.guild).toMatchObject({ name, tag, description: "We howl.", joinPolicy: GuildJoinPolicy.OPEN, state: GuildState.ACTIVE, leaderCharacterId: founder, memberCount: 1 });
    expect(created.fee).toBe(fee);
    expect(created.roles.map((r) => [r.name, r.rank, r.kind])).toEqual([
      ["Leader", 1, GuildRoleKind.LEADER],
      ["Officer", 10, GuildRoleKind.STANDARD],
      ["Member", 20, GuildRoleKind.STANDARD],
      ["Recruit", 30, GuildRoleKind.ENTRY],
    ]);
    expect(roleNamed(created.roles, "Leader").permissions).toHaveLength(5);
    expect(roleNamed(created.roles, "Officer")).toMatchObject({ dailyWithdrawalLimit: officerLimit, permissions: expect.arrayContaining([GuildPermission.WITHDRAW]) });
    expect(created.leader).toMatchObject({ characterId: founder, roleName: "Leader", rank: 1 });
    const guildId = created.guild!.guildId;

    // A retry with the same key is the same guild, charged once; the ledger shows the fee going to the sink.
    const retried = await guild().createGuild(request, alice.asPlayer);
    expect(retried.guild?.guildId).toBe(guildId);
    expect(await world.wallet(alice, founder!)).toBe(starterGold - fee);
    const { entries } = await world.inventory().listLedgerEntries({ characterId: founder! }, alice.asPlayer);
    expect(entries.filter((e) => e.kind === LedgerEntryKind.SPEND)).toMatchObject([{ debitAccount: `wallet:${founder}`, creditAccount: "sink", amount: fee }]);
    expect(await refusalOf(guild().createGuild({ ...request, description: "other" }, alice.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED",
    });

    // Refusals: the name in another case, the tag, a founder in a guild already, someone else's character, too little gold.
    const attempt = (actorCharacterId: string, overrides: Partial<typeof request> = {}) => ({ ...request, actorCharacterId, idempotencyKey: randomUUID(), ...overrides });
    expect(await refusalOf(guild().createGuild(attempt(rival!, { name: name.toUpperCase(), tag: uniqueTag() }), bob.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_NAME_TAKEN",
      metadata: { name: name.toUpperCase() },
    });
    expect(await refusalOf(guild().createGuild(attempt(rival!, { name: uniqueName("Other") }), bob.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_TAG_TAKEN",
    });
    expect(await refusalOf(guild().createGuild(attempt(founder!, { name: uniqueName("Second"), tag: uniqueTag() }), alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_ALREADY_IN_GUILD",
    });
    expect(await refusalOf(guild().createGuild(attempt(founder!, { name: uniqueName("Stolen"), tag: uniqueTag() }), bob.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_NOT_CHARACTER_OWNER",
    });
    await world.inventoryInternal().spendGold({ characterId: poor!, amount: starterGold - 10n, idempotencyKey: randomUUID(), reason: "test: a poor character" });
    expect(await refusalOf(guild().createGuild(attempt(rival!, { name: " Wolves!", tag: uniqueTag() }), bob.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
    const poorName = uniqueName("Ærmliche Wölfe");
    expect(await refusalOf(guild().createGuild(attempt(poor!, { name: poorName, tag: uniqueTag() }), bob.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INSUFFICIENT_FUNDS",
      metadata: { balance: "10", required: String(fee) },
    });
    // Nothing is left of the refusals: no guild, wallets untouched, the refused name free again.
    expect(await world.wallet(bob, rival!)).toBe(starterGold);
    expect(await world.wallet(bob, poor!)).toBe(10n);
    expect((await guild().getMyGuild({ actorCharacterId: poor! }, bob.asPlayer)).guild).toBeUndefined();
    expect(await world.sql("SELECT 1 FROM guilds WHERE lower(name) = lower($1)", [poorName])).toHaveLength(0);
    const paupers = await guild().createGuild(attempt(other!, { name: poorName, tag: uniqueTag() }), bob.asPlayer);
    expect(paupers.guild?.name).toBe(poorName);

    // Reads: the guild, and searches by name and tag prefix, ignoring case.
    expect((await guild().getGuild({ guildId }, bob.asPlayer)).guild).toMatchObject({ name, memberCount: 1 });
    expect((await guild().listGuilds({ query: name.slice(0, 8).toLowerCase() }, bob.asPlayer)).guilds.map((g) => g.guildId)).toContain(guildId);
    expect((await guild().listGuilds({ query: tag.toLowerCase() }, bob.asPlayer)).guilds.map((g) => g.guildId)).toEqual([guildId]);
    expect(await refusalOf(guild().getGuild({ guildId: randomUUID() }, bob.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_GUILD_NOT_FOUND" });

    const [event] = messagesOf(await world.eventsUntil(guildId, ["GuildCreated"]), GuildCreatedSchema);
    expect(event).toMatchObject({ guild: { guildId, name, tag }, leader: { characterId: founder }, fee });
    expect(event?.roles).toHaveLength(4);
  });

  it("invites: invite, list, accept; decline; revoke; limits and refusals leave everything as it was", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader, rivalLeader] = await world.newCharacters(alice, 2);
    const [b1, b2, b3, b4, b5, b6] = await world.newCharacters(bob, 6);
    const { guildId } = await found(alice, leader!);
    const { guildId: rivalGuildId } = await found(alice, rivalLeader!);

    const { invite } = await guild().inviteMember({ actorCharacterId: leader!, characterId: b1! }, alice.asPlayer);
    expect(invite).toMatchObject({ guildId, characterId: b1, invitedByCharacterId: leader, state: InviteState.PENDING, characterName: `Hero-${b1!.slice(0, 8)}` });
    const inviteId = invite!.inviteId;
    expect((await guild().inviteMember({ actorCharacterId: leader!, characterId: b1! }, alice.asPlayer)).invite?.inviteId).toBe(inviteId);
    expect((await guild().listMyInvites({ actorCharacterId: b1! }, bob.asPlayer)).invites).toMatchObject([{ inviteId, guildId, guildName: invite!.guildName }]);
    expect((await guild().listGuildInvites({ actorCharacterId: leader! }, alice.asPlayer)).invites.map((i) => i.inviteId)).toEqual([inviteId]);
    // Only the invited character answers.
    expect(await refusalOf(guild().acceptInvite({ actorCharacterId: b2!, inviteId }, bob.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_INVITE_NOT_FOUND" });

    const accepted = await guild().acceptInvite({ actorCharacterId: b1!, inviteId }, bob.asPlayer);
    expect(accepted.member).toMatchObject({ guildId, characterId: b1, roleName: "Recruit", rank: 30 });
    expect(accepted.guild?.memberCount).toBe(2);
    expect((await guild().acceptInvite({ actorCharacterId: b1!, inviteId }, bob.asPlayer)).member?.characterId).toBe(b1);
    expect((await guild().listMyInvites({ actorCharacterId: b1! }, bob.asPlayer)).invites).toEqual([]);

    // Decline, and decline again; accepting afterwards finds no invite.
    const { invite: toDecline } = await guild().inviteMember({ actorCharacterId: leader!, characterId: b2! }, alice.asPlayer);
    expect((await guild().declineInvite({ actorCharacterId: b2!, inviteId: toDecline!.inviteId }, bob.asPlayer)).invite?.state).toBe(InviteState.DECLINED);
    expect((await guild().declineInvite({ actorCharacterId: b2!, inviteId: toDecline!.inviteId }, bob.asPlayer)).invite?.state).toBe(InviteState.DECLINED);
    expect(await refusalOf(guild().acceptInvite({ actorCharacterId: b2!, inviteId: toDecline!.inviteId }, bob.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_INVITE_NOT_FOUND",
    });

    // Revoke, by the guild; the invited character no longer sees it.
    const { invite: toRevoke } = await guild().inviteMember({ actorCharacterId: leader!, characterId: b3! }, alice.asPlayer);
    expect((await guild().revokeInvite({ actorCharacterId: leader!, inviteId: toRevoke!.inviteId }, alice.asPlayer)).invite?.state).toBe(InviteState.REVOKED);
    expect((await guild().listMyInvites({ actorCharacterId: b3! }, bob.asPlayer)).invites).toEqual([]);
    expect(await refusalOf(guild().acceptInvite({ actorCharacterId: b3!, inviteId: toRevoke!.inviteId }, bob.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_INVITE_NOT_FOUND",
    });

    // Refusals, each leaving the guild as it was.
    const before = await snapshot(alice, leader!);
    const refusals = [
      [() => guild().inviteMember({ actorCharacterId: b1!, characterId: b4! }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_PERMISSION_MISSING", { permission: "GUILD_PERMISSION_INVITE" }],
      [() => guild().inviteMember({ actorCharacterId: leader!, characterId: leader! }, alice.asPlayer), Code.InvalidArgument, "ERROR_REASON_SELF_TARGET", {}],
      [() => guild().inviteMember({ actorCharacterId: leader!, characterId: randomUUID() }, alice.asPlayer), Code.NotFound, "ERROR_REASON_CHARACTER_NOT_FOUND", {}],
      [() => guild().inviteMember({ actorCharacterId: leader!, characterId: rivalLeader! }, alice.asPlayer), Code.FailedPrecondition, "ERROR_REASON_ALREADY_IN_GUILD", { guild_id: rivalGuildId }],
      [() => guild().inviteMember({ actorCharacterId: leader!, characterId: b4! }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_NOT_CHARACTER_OWNER", {}],
      [() => guild().revokeInvite({ actorCharacterId: rivalLeader!, inviteId }, alice.asPlayer), Code.NotFound, "ERROR_REASON_INVITE_NOT_FOUND", {}],
      [() => guild().listGuildInvites({ actorCharacterId: b4! }, bob.asPlayer), Code.FailedPrecondition, "ERROR_REASON_NOT_A_MEMBER", {}],
    ] as const;
    for (const [call, code, reason, metadata] of refusals) expect(await refusalOf(call()), reason).toMatchObject({ code, reason, metadata });
    expect(await snapshot(alice, leader!)).toEqual(before);

    // At most three invites pending; a fourth is refused until one is answered.
    for (const character of [b4!, b5!, b2!]) await guild().inviteMember({ actorCharacterId: leader!, characterId: character }, alice.asPlayer);
    expect(await refusalOf(guild().inviteMember({ actorCharacterId: leader!, characterId: b6! }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TOO_MANY_PENDING",
      metadata: { max_pending: String(maxPendingInvites) },
    });
    expect((await guild().getMyGuild({ actorCharacterId: leader! }, alice.asPlayer)).pendingInviteCount).toBe(maxPendingInvites);

    // A full guild: with five members the last pending invite cannot be accepted, and nothing changes.
    for (const character of [b4!, b5!]) {
      const [pending] = (await guild().listMyInvites({ actorCharacterId: character }, bob.asPlayer)).invites;
      await guild().acceptInvite({ actorCharacterId: character, inviteId: pending!.inviteId }, bob.asPlayer);
    }
    await join(alice, leader!, bob, b6!);
    const [last] = (await guild().listMyInvites({ actorCharacterId: b2! }, bob.asPlayer)).invites;
    expect(await refusalOf(guild().acceptInvite({ actorCharacterId: b2!, inviteId: last!.inviteId }, bob.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_GUILD_FULL",
      metadata: { max_members: String(maxMembers) },
    });
    expect((await guild().getGuild({ guildId }, alice.asPlayer)).guild?.memberCount).toBe(maxMembers);
    expect((await guild().listMyInvites({ actorCharacterId: b2! }, bob.asPlayer)).invites.map((i) => i.inviteId)).toEqual([last!.inviteId]);

    const events = await world.eventsUntil(guildId, ["InviteSent", "InviteAccepted", "MemberJoined", "InviteDeclined", "InviteRevoked"]);
    expect(messagesOf(events, MemberJoinedSchema)[0]).toMatchObject({ member: { characterId: b1 }, inviteId, admittedByCharacterId: leader });
    expect(messagesOf(events, InviteRevokedSchema)[0]).toMatchObject({ invite: { inviteId: toRevoke!.inviteId }, revokedByCharacterId: leader });
  });

  it("join requests: an open guild takes requests that a member with the invite permission approves or rejects", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader, closedLeader] = await world.newCharacters(alice, 2);
    const [asker, rejected, recruit] = await world.newCharacters(bob, 3);
    const { guildId } = await found(alice, leader!, { joinPolicy: GuildJoinPolicy.OPEN });
    const { guildId: closedId } = await found(alice, closedLeader!);
    await join(alice, leader!, bob, recruit!);

    expect(await refusalOf(guild().requestToJoin({ actorCharacterId: asker!, guildId: closedId, message: "" }, bob.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_GUILD_INVITE_ONLY",
    });
    expect(await refusalOf(guild().requestToJoin({ actorCharacterId: asker!, guildId: randomUUID(), message: "" }, bob.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_GUILD_NOT_FOUND",
    });
    const { joinRequest } = await guild().requestToJoin({ actorCharacterId: asker!, guildId, message: "I heal." }, bob.asPlayer);
    expect(joinRequest).toMatchObject({ guildId, characterId: asker, message: "I heal.", state: JoinRequestState.PENDING });
    expect((await guild().requestToJoin({ actorCharacterId: asker!, guildId, message: "again" }, bob.asPlayer)).joinRequest?.joinRequestId).toBe(joinRequest!.joinRequestId);
    const { joinRequest: toReject } = await guild().requestToJoin({ actorCharacterId: rejected!, guildId, message: "" }, bob.asPlayer);
    const listed = await guild().listJoinRequests({ actorCharacterId: leader! }, alice.asPlayer);
    expect(listed.joinRequests.map((r) => r.characterId)).toEqual([asker, rejected]);
    expect((await guild().getMyGuild({ actorCharacterId: leader! }, alice.asPlayer)).pendingJoinRequestCount).toBe(2);

    // A recruit has no invite permission.
    expect(await refusalOf(guild().approveJoinRequest({ actorCharacterId: recruit!, joinRequestId: joinRequest!.joinRequestId }, bob.asPlayer))).toMatchObject({
      code: Code.PermissionDenied,
      reason: "ERROR_REASON_PERMISSION_MISSING",
    });
    const approved = await guild().approveJoinRequest({ actorCharacterId: leader!, joinRequestId: joinRequest!.joinRequestId }, alice.asPlayer);
    expect(approved.joinRequest).toMatchObject({ state: JoinRequestState.APPROVED, decidedByCharacterId: leader });
    expect(approved.member).toMatchObject({ guildId, characterId: asker, roleName: "Recruit" });
    expect((await guild().approveJoinRequest({ actorCharacterId: leader!, joinRequestId: joinRequest!.joinRequestId }, alice.asPlayer)).member?.characterId).toBe(asker);
    expect((await guild().rejectJoinRequest({ actorCharacterId: leader!, joinRequestId: toReject!.joinRequestId }, alice.asPlayer)).joinRequest?.state).toBe(
      JoinRequestState.REJECTED,
    );
    expect(await refusalOf(guild().approveJoinRequest({ actorCharacterId: leader!, joinRequestId: toReject!.joinRequestId }, alice.asPlayer))).toMatchObject({
      code: Code.NotFound,
      reason: "ERROR_REASON_JOIN_REQUEST_NOT_FOUND",
    });
    expect(await refusalOf(guild().requestToJoin({ actorCharacterId: asker!, guildId: closedId, message: "" }, bob.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
    });
    expect((await guild().listJoinRequests({ actorCharacterId: leader! }, alice.asPlayer)).joinRequests).toEqual([]);

    const events = await world.eventsUntil(guildId, ["JoinRequested", "MemberJoined", "JoinRequestRejected"]);
    expect(messagesOf(events, MemberJoinedSchema).map((e) => e.joinRequestId)).toContain(joinRequest!.joinRequestId);
  });

  it("roles: the guild's own roles, and who may kick, promote and edit them by permission and rank", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader] = await world.newCharacters(alice, 1);
    const [officer, recruit, other] = await world.newCharacters(bob, 3);
    const { guildId, roles } = await found(alice, leader!);
    for (const character of [officer!, recruit!, other!]) await join(alice, leader!, bob, character);
    const officerRole = roleNamed(roles, "Officer");
    const memberRole = roleNamed(roles, "Member");

    await guild().changeMemberRole({ actorCharacterId: leader!, characterId: officer!, roleId: officerRole.roleId }, alice.asPlayer);
    const banker = (
      await guild().createRole(
        { actorCharacterId: leader!, name: "Banker", rank: 15, permissions: [GuildPermission.WITHDRAW, GuildPermission.INVITE], dailyWithdrawalLimit: 60n },
        alice.asPlayer,
      )
    ).role!;
    expect(banker).toMatchObject({ guildId, name: "Banker", rank: 15, kind: GuildRoleKind.STANDARD, permissions: [GuildPermission.INVITE, GuildPermission.WITHDRAW], dailyWithdrawalLimit: 60n });

    const before = await snapshot(alice, leader!);
    const rolesBefore = (await guild().getGuild({ guildId }, alice.asPlayer)).roles;
    const refusals = [
      // Roles: names and ranks are unique, ignoring case; the leader's role is fixed; a role held cannot go.
      [() => guild().createRole({ actorCharacterId: leader!, name: "officer", rank: 16, permissions: [], dailyWithdrawalLimit: 0n }, alice.asPlayer), Code.AlreadyExists, "ERROR_REASON_ROLE_CONFLICT", { field: "name" }],
      [() => guild().createRole({ actorCharacterId: leader!, name: "Squire", rank: 10, permissions: [], dailyWithdrawalLimit: 0n }, alice.asPlayer), Code.AlreadyExists, "ERROR_REASON_ROLE_CONFLICT", { field: "rank" }],
      [() => guild().updateRole({ actorCharacterId: leader!, roleId: roleNamed(roles, "Leader").roleId, name: "Boss", rank: 2, permissions: [], dailyWithdrawalLimit: 0n }, alice.asPlayer), Code.FailedPrecondition, "ERROR_REASON_ROLE_PROTECTED", {}],
      [() => guild().deleteRole({ actorCharacterId: leader!, roleId: officerRole.roleId }, alice.asPlayer), Code.FailedPrecondition, "ERROR_REASON_ROLE_IN_USE", { members: "1" }],
      [() => guild().deleteRole({ actorCharacterId: leader!, roleId: roleNamed(roles, "Recruit").roleId }, alice.asPlayer), Code.FailedPrecondition, "ERROR_REASON_ROLE_PROTECTED", {}],
      [() => guild().deleteRole({ actorCharacterId: leader!, roleId: randomUUID() }, alice.asPlayer), Code.NotFound, "ERROR_REASON_ROLE_NOT_FOUND", {}],
      // An officer: no role editing; nobody at or above their own rank.
      [() => guild().createRole({ actorCharacterId: officer!, name: "Squire", rank: 40, permissions: [], dailyWithdrawalLimit: 0n }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_PERMISSION_MISSING", { permission: "GUILD_PERMISSION_EDIT_ROLES" }],
      [() => guild().kickMember({ actorCharacterId: officer!, characterId: leader!, reason: "" }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_RANK_TOO_LOW", { actor_rank: "10", target_rank: "1" }],
      [() => guild().changeMemberRole({ actorCharacterId: officer!, characterId: recruit!, roleId: officerRole.roleId }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_RANK_TOO_LOW", { target_rank: "10" }],
      [() => guild().changeMemberRole({ actorCharacterId: officer!, characterId: recruit!, roleId: roleNamed(roles, "Leader").roleId }, bob.asPlayer), Code.FailedPrecondition, "ERROR_REASON_ROLE_PROTECTED", {}],
      [() => guild().transferLeadership({ actorCharacterId: officer!, newLeaderCharacterId: recruit!, formerLeaderRoleId: "" }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_NOT_LEADER", {}],
      // A recruit: no kicking, no promoting.
      [() => guild().kickMember({ actorCharacterId: recruit!, characterId: other!, reason: "" }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_PERMISSION_MISSING", { permission: "GUILD_PERMISSION_KICK" }],
      [() => guild().changeMemberRole({ actorCharacterId: recruit!, characterId: other!, roleId: memberRole.roleId }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_PERMISSION_MISSING", { permission: "GUILD_PERMISSION_PROMOTE" }],
      [() => guild().kickMember({ actorCharacterId: leader!, characterId: randomUUID(), reason: "" }, alice.asPlayer), Code.NotFound, "ERROR_REASON_MEMBER_NOT_FOUND", {}],
      [() => guild().kickMember({ actorCharacterId: leader!, characterId: leader!, reason: "" }, alice.asPlayer), Code.InvalidArgument, "ERROR_REASON_SELF_TARGET", {}],
    ] as const;
    for (const [call, code, reason, metadata] of refusals) expect(await refusalOf(call()), reason).toMatchObject({ code, reason, metadata });
    expect(await snapshot(alice, leader!)).toEqual(before);
    expect((await guild().getGuild({ guildId }, alice.asPlayer)).roles).toEqual(rolesBefore);

    // What an officer may do: promote below their rank, kick below their rank.
    expect((await guild().changeMemberRole({ actorCharacterId: officer!, characterId: other!, roleId: memberRole.roleId }, bob.asPlayer)).member).toMatchObject({
      characterId: other,
      roleName: "Member",
      rank: 20,
    });
    expect((await guild().kickMember({ actorCharacterId: officer!, characterId: recruit!, reason: "idle" }, bob.asPlayer)).guildId).toBe(guildId);
    expect((await guild().getMyGuild({ actorCharacterId: recruit! }, bob.asPlayer)).guild).toBeUndefined();

    // Editing and deleting roles; at most six of them.
    const renamed = (await guild().updateRole({ actorCharacterId: leader!, roleId: banker.roleId, name: "Treasurer", rank: 12, permissions: [GuildPermission.WITHDRAW], dailyWithdrawalLimit: 80n }, alice.asPlayer)).role;
    expect(renamed).toMatchObject({ roleId: banker.roleId, name: "Treasurer", rank: 12, permissions: [GuildPermission.WITHDRAW], dailyWithdrawalLimit: 80n });
    await guild().createRole({ actorCharacterId: leader!, name: "Squire", rank: 25, permissions: [], dailyWithdrawalLimit: 0n }, alice.asPlayer);
    expect(await refusalOf(guild().createRole({ actorCharacterId: leader!, name: "Page", rank: 26, permissions: [], dailyWithdrawalLimit: 0n }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_TOO_MANY_ROLES",
      metadata: { max_roles: "6" },
    });
    await guild().deleteRole({ actorCharacterId: leader!, roleId: banker.roleId }, alice.asPlayer);
    expect((await guild().getGuild({ guildId }, alice.asPlayer)).roles.map((r) => r.name)).toEqual(["Leader", "Officer", "Member", "Squire", "Recruit"]);

    const events = await world.eventsUntil(guildId, ["MemberRoleChanged", "MemberKicked", "RoleCreated", "RoleUpdated", "RoleDeleted"]);
    expect(messagesOf(events, MemberKickedSchema)[0]).toMatchObject({ characterId: recruit, kickedByCharacterId: officer, reason: "idle" });
    expect(messagesOf(events, RoleUpdatedSchema)[0]).toMatchObject({ oldRole: { name: "Banker" }, newRole: { name: "Treasurer" } });
  });

  it("the bank: deposits and withdrawals are ledger transfers, once per key, within the role's daily limit; refusals move nothing", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader] = await world.newCharacters(alice, 1);
    const [banker, recruit, racer] = await world.newCharacters(bob, 3);
    const { guildId } = await found(alice, leader!);
    for (const character of [banker!, recruit!, racer!]) await join(alice, leader!, bob, character);
    const { role: bankerRole } = await guild().createRole(
      { actorCharacterId: leader!, name: "Banker", rank: 15, permissions: [GuildPermission.WITHDRAW], dailyWithdrawalLimit: 60n },
      alice.asPlayer,
    );
    for (const character of [banker!, racer!]) await guild().changeMemberRole({ actorCharacterId: leader!, characterId: character, roleId: bankerRole!.roleId }, alice.asPlayer);

    // Deposits, one retried with its key: the gold moves once.
    const key = randomUUID();
    const first = await guild().depositToGuildBank({ actorCharacterId: leader!, amount: 50n, idempotencyKey: key }, alice.asPlayer);
    expect(first).toMatchObject({ bankBalance: 50n, walletBalance: starterGold - fee - 50n });
    expect(await guild().depositToGuildBank({ actorCharacterId: leader!, amount: 50n, idempotencyKey: key }, alice.asPlayer)).toEqual(first);
    expect(await refusalOf(guild().depositToGuildBank({ actorCharacterId: leader!, amount: 51n, idempotencyKey: key }, alice.asPlayer))).toMatchObject({
      code: Code.AlreadyExists,
      reason: "ERROR_REASON_IDEMPOTENCY_KEY_REUSED",
    });
    for (const character of [banker!, recruit!, racer!]) await guild().depositToGuildBank({ actorCharacterId: character, amount: 40n, idempotencyKey: randomUUID() }, bob.asPlayer);
    expect(await world.bank(guildId)).toBe(170n);
    expect(await world.wallet(alice, leader!)).toBe(starterGold - fee - 50n);

    // Withdrawals within the banker's 60 a day, one retried.
    const withdrawal = { actorCharacterId: banker!, amount: 35n, idempotencyKey: randomUUID() };
    const taken = await guild().withdrawFromGuildBank(withdrawal, bob.asPlayer);
    expect(taken).toMatchObject({ bankBalance: 135n, walletBalance: starterGold - 40n + 35n, withdrawalRemainingToday: 25n });
    expect(await guild().withdrawFromGuildBank(withdrawal, bob.asPlayer)).toEqual(taken);

    // Refusals move nothing: over the daily limit, no permission, more than the bank or the wallet holds.
    const balances = async () => ({
      bank: await world.bank(guildId),
      leader: await world.wallet(alice, leader!),
      banker: await world.wallet(bob, banker!),
      recruit: await world.wallet(bob, recruit!),
    });
    const before = await balances();
    const refusals = [
      [() => guild().withdrawFromGuildBank({ actorCharacterId: banker!, amount: 30n, idempotencyKey: randomUUID() }, bob.asPlayer), Code.FailedPrecondition, "ERROR_REASON_WITHDRAWAL_LIMIT_EXCEEDED", { daily_limit: "60", withdrawn_today: "35", remaining: "25" }],
      [() => guild().withdrawFromGuildBank({ actorCharacterId: recruit!, amount: 1n, idempotencyKey: randomUUID() }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_PERMISSION_MISSING", { permission: "GUILD_PERMISSION_WITHDRAW" }],
      [() => guild().withdrawFromGuildBank({ actorCharacterId: leader!, amount: 1_000n, idempotencyKey: randomUUID() }, alice.asPlayer), Code.FailedPrecondition, "ERROR_REASON_INSUFFICIENT_BANK_FUNDS", { balance: "135", required: "1000" }],
      [() => guild().depositToGuildBank({ actorCharacterId: recruit!, amount: 61n, idempotencyKey: randomUUID() }, bob.asPlayer), Code.FailedPrecondition, "ERROR_REASON_INSUFFICIENT_FUNDS", { balance: "60", required: "61" }],
      [() => guild().depositToGuildBank({ actorCharacterId: randomUUID(), amount: 1n, idempotencyKey: randomUUID() }, bob.asPlayer), Code.PermissionDenied, "ERROR_REASON_NOT_CHARACTER_OWNER", {}],
      [() => guild().withdrawFromGuildBank({ actorCharacterId: leader!, amount: 0n, idempotencyKey: randomUUID() }, alice.asPlayer), Code.InvalidArgument, undefined, {}],
    ] as const;
    for (const [call, code, reason, metadata] of refusals) expect(await refusalOf(call()), reason).toMatchObject({ code, reason, metadata });
    expect(await balances()).toEqual(before);
    expect(await world.sql("SELECT 1 FROM bank_transfers WHERE guild_id = $1 AND state <> 'completed'", [guildId])).toEqual([]);

    // Five concurrent withdrawals of 20 by a member allowed 60 a day: the reservation lets exactly three through.
    const race = await Promise.allSettled(
      Array.from({ length: 5 }, () => guild().withdrawFromGuildBank({ actorCharacterId: racer!, amount: 20n, idempotencyKey: randomUUID() }, bob.asPlayer)),
    );
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of race.filter((r) => r.status === "rejected")) {
      expect(await refusalOf(Promise.reject(r.reason))).toMatchObject({ reason: "ERROR_REASON_WITHDRAWAL_LIMIT_EXCEEDED", metadata: { withdrawn_today: "60" } });
    }
    expect(await world.bank(guildId)).toBe(75n);
    expect((await guild().getMyGuild({ actorCharacterId: racer! }, bob.asPlayer)).withdrawalRemainingToday).toBe(0n);
    expect((await guild().getMyGuild({ actorCharacterId: leader! }, alice.asPlayer))).toMatchObject({ bankBalance: 75n, withdrawalRemainingToday: 75n });

    // The bank's history is the ledger: newest first, paged, each entry naming the member's wallet.
    const entries = [];
    let pageToken = "";
    do {
      const page = await guild().listBankEntries({ actorCharacterId: recruit!, pageSize: 3, pageToken }, bob.asPlayer);
      expect(page.bankBalance).toBe(75n);
      entries.push(...page.entries);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(entries.map((e) => [e.direction, e.characterId, e.amount, e.balanceAfter])).toEqual([
      [BankEntryDirection.WITHDRAWAL, racer, 20n, 75n],
      [BankEntryDirection.WITHDRAWAL, racer, 20n, 95n],
      [BankEntryDirection.WITHDRAWAL, racer, 20n, 115n],
      [BankEntryDirection.WITHDRAWAL, banker, 35n, 135n],
      [BankEntryDirection.DEPOSIT, racer, 40n, 170n],
      [BankEntryDirection.DEPOSIT, recruit, 40n, 130n],
      [BankEntryDirection.DEPOSIT, banker, 40n, 90n],
      [BankEntryDirection.DEPOSIT, leader, 50n, 50n],
    ]);
    expect(entries[0]?.counterAccount).toBe(`wallet:${racer}`);
    // Gold was neither made nor lost: what left the wallets is in the bank.
    const wallets = (await world.wallet(alice, leader!)) + (await world.wallet(bob, banker!)) + (await world.wallet(bob, recruit!)) + (await world.wallet(bob, racer!));
    expect(wallets + (await world.bank(guildId))).toBe(4n * starterGold - fee);

    const events = await world.eventsOf(guildId, (all) => all.filter((e) => e.type.startsWith("chaos.guild.v1.GuildBank")).length >= 8);
    expect(events.filter((e) => e.type.startsWith("chaos.guild.v1.GuildBank"))).toHaveLength(8);
    expect(messagesOf(events, GuildBankDepositedSchema)[0]).toMatchObject({ characterId: leader, amount: 50n, bankBalanceAfter: 50n, transactionId: first.transactionId });
    expect(messagesOf(events, GuildBankWithdrawnSchema).map((e) => e.amount)).toEqual([35n, 20n, 20n, 20n]);
    expect(await refusalOf(guild().listBankEntries({ actorCharacterId: randomUUID() }, bob.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
  });

  it("leadership passes on transfer, exactly one leader; members leave; disbanding returns the bank to the leader", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [founder] = await world.newCharacters(alice, 1);
    const [heir, member] = await world.newCharacters(bob, 2);
    const { guildId, roles } = await found(alice, founder!);
    for (const character of [heir!, member!]) await join(alice, founder!, bob, character);
    await guild().depositToGuildBank({ actorCharacterId: founder!, amount: 20n, idempotencyKey: randomUUID() }, alice.asPlayer);
    await guild().depositToGuildBank({ actorCharacterId: member!, amount: 15n, idempotencyKey: randomUUID() }, bob.asPlayer);

    expect(await refusalOf(guild().leaveGuild({ actorCharacterId: founder! }, alice.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_LEADER_CANNOT_LEAVE",
    });
    expect(await refusalOf(guild().disbandGuild({ actorCharacterId: heir! }, bob.asPlayer))).toMatchObject({ code: Code.PermissionDenied, reason: "ERROR_REASON_NOT_LEADER" });
    const transferred = await guild().transferLeadership({ actorCharacterId: founder!, newLeaderCharacterId: heir!, formerLeaderRoleId: "" }, alice.asPlayer);
    expect(transferred.guild?.leaderCharacterId).toBe(heir);
    expect(transferred.newLeader).toMatchObject({ characterId: heir, roleName: "Leader", rank: 1 });
    expect(transferred.formerLeader).toMatchObject({ characterId: founder, roleId: roleNamed(roles, "Officer").roleId });
    const { members } = await guild().listMembers({ guildId }, alice.asPlayer);
    expect(members.filter((m) => m.rank === 1).map((m) => m.characterId)).toEqual([heir]);
    expect(await refusalOf(guild().transferLeadership({ actorCharacterId: founder!, newLeaderCharacterId: member!, formerLeaderRoleId: "" }, alice.asPlayer))).toMatchObject({
      reason: "ERROR_REASON_NOT_LEADER",
    });

    expect((await guild().leaveGuild({ actorCharacterId: founder! }, alice.asPlayer)).guildId).toBe(guildId);
    expect(await refusalOf(guild().leaveGuild({ actorCharacterId: founder! }, alice.asPlayer))).toMatchObject({ code: Code.FailedPrecondition, reason: "ERROR_REASON_NOT_A_MEMBER" });
    expect((await guild().getGuild({ guildId }, alice.asPlayer)).guild?.memberCount).toBe(2);

    const disbanded = await guild().disbandGuild({ actorCharacterId: heir! }, bob.asPlayer);
    expect(disbanded).toMatchObject({ guild: { guildId, state: GuildState.DISBANDED, memberCount: 0 }, returnedGold: 35n });
    expect(await world.wallet(bob, heir!)).toBe(starterGold + 35n);
    expect(await world.bank(guildId)).toBe(0n);
    expect(await refusalOf(guild().getGuild({ guildId }, bob.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_GUILD_NOT_FOUND" });
    expect((await guild().getMyGuild({ actorCharacterId: member! }, bob.asPlayer)).guild).toBeUndefined();
    // The name is free again, and the former members may found or join another guild.
    const again = await guild().createGuild(
      { actorCharacterId: member!, name: disbanded.guild!.name, tag: disbanded.guild!.tag, description: "", joinPolicy: GuildJoinPolicy.UNSPECIFIED, idempotencyKey: randomUUID() },
      bob.asPlayer,
    );
    expect(again.guild).toMatchObject({ name: disbanded.guild!.name, joinPolicy: GuildJoinPolicy.INVITE_ONLY, state: GuildState.ACTIVE });

    const events = await world.eventsUntil(guildId, ["LeadershipTransferred", "MemberLeft", "GuildDisbanded"]);
    expect(messagesOf(events, LeadershipTransferredSchema)[0]).toMatchObject({
      formerLeaderCharacterId: founder,
      newLeaderCharacterId: heir,
      reason: LeadershipChangeReason.TRANSFERRED,
    });
    expect(messagesOf(events, MemberLeftSchema)[0]).toMatchObject({ characterId: founder, reason: LeaveReason.LEFT });
    const [gone] = messagesOf(events, GuildDisbandedSchema);
    expect([...gone!.formerMemberCharacterIds].sort()).toEqual([heir!, member!].sort());
    expect(gone?.returnedGold).toBe(35n);
  });

  it("pages members by rank, then join order, and refuses a token of another listing", async () => {
    const alice = await signUp(stack);
    const [leader, ...others] = await world.newCharacters(alice, maxMembers);
    const { guildId, roles } = await found(alice, leader!);
    for (const character of others) await join(alice, leader!, alice, character);
    await guild().changeMemberRole({ actorCharacterId: leader!, characterId: others.at(-1)!, roleId: roleNamed(roles, "Officer").roleId }, alice.asPlayer);

    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await guild().listMembers({ guildId, pageSize: 2, pageToken }, alice.asPlayer);
      seen.push(...page.members.map((m) => m.characterId));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(pages).toBe(3);
    expect(seen).toEqual([leader, others.at(-1), ...others.slice(0, -1)]);

    const { nextPageToken } = await guild().listMembers({ guildId, pageSize: 2 }, alice.asPlayer);
    expect(await refusalOf(guild().listMembers({ guildId: randomUUID(), pageSize: 2 }, alice.asPlayer))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_GUILD_NOT_FOUND" });
    const { guildId: otherGuild } = await found(alice, (await world.newCharacters(alice, 1))[0]!);
    expect(await refusalOf(guild().listMembers({ guildId: otherGuild, pageSize: 2, pageToken: nextPageToken }, alice.asPlayer))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("a deleted character leaves its guild; a deleted leader hands the guild to the highest-ranked member", async () => {
    const alice = await signUp(stack);
    const [leader, officer, recruit] = await world.newCharacters(alice, 3);
    const { guildId, roles } = await found(alice, leader!);
    await join(alice, leader!, alice, recruit!);
    await join(alice, leader!, alice, officer!);
    await guild().changeMemberRole({ actorCharacterId: leader!, characterId: officer!, roleId: roleNamed(roles, "Officer").roleId }, alice.asPlayer);

    await world.deleteCharacter(alice, leader!);
    const { guild: after } = await eventually(() => guild().getGuild({ guildId }, alice.asPlayer), (r) => r.guild?.leaderCharacterId === officer);
    expect(after?.memberCount).toBe(2);
    expect((await guild().getMyGuild({ actorCharacterId: officer! }, alice.asPlayer)).role).toMatchObject({ kind: GuildRoleKind.LEADER });

    await world.deleteCharacter(alice, recruit!);
    await eventually(() => guild().getGuild({ guildId }, alice.asPlayer), (r) => r.guild?.memberCount === 1);
    const events = await world.eventsUntil(guildId, ["LeadershipTransferred"]);
    expect(messagesOf(events, LeadershipTransferredSchema)[0]).toMatchObject({
      formerLeaderCharacterId: leader,
      newLeaderCharacterId: officer,
      reason: LeadershipChangeReason.LEADER_DELETED,
    });
    expect(messagesOf(events, MemberLeftSchema).map((l) => [l.characterId, l.reason])).toEqual(expect.arrayContaining([[leader, LeaveReason.CHARACTER_DELETED]]));
  });
});
