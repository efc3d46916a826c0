import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GuildBankDepositedSchema, GuildCreatedSchema, GuildDisbandedSchema, InviteExpiredSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { GuildJoinPolicy, GuildState } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { signUp, type TestPlayer } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { useStack } from "../../../scripts/test/stack.js";
import { eventually } from "../../../scripts/test/topic-events.js";
import { guildWorld, messagesOf, starterGold, uniqueName, uniqueTag } from "./guild-world.js";

const fee = 30n;
const inviteTtlSeconds = 2;

// Durable work: invites expire on a timer, and gold movements whose inventory call went unanswered are settled by
// jobs. Short settings make both happen within the test: settlement jobs look 1 s after the intent and retry from 200 ms
// on, calls time out after 1 s.
const stack = useStack(["identity", "inventory", "guild"], {
  env: {
    CHAOS_GUILD_CREATION_FEE: String(fee),
    CHAOS_GUILD_INVITE_TTL_SECONDS: String(inviteTtlSeconds),
    CHAOS_GUILD_SETTLE_AFTER_SECONDS: "1",
    CHAOS_GUILD_SETTLE_RETRY_MS: "200",
    CHAOS_GUILD_INVENTORY_TIMEOUT_MS: "1000",
  },
});
const world = guildWorld(stack);
const guild = world.guild;

async function found(player: TestPlayer, leader: string) {
  const created = await guild().createGuild(
    { actorCharacterId: leader, name: uniqueName("Guild"), tag: uniqueTag(), description: "", joinPolicy: GuildJoinPolicy.INVITE_ONLY, idempotencyKey: randomUUID() },
    player.asPlayer,
  );
  return created.guild!.guildId;
}

/** Inventory is down while `during` runs, and back (on its ports, with its database) after. */
async function withInventoryDown<T>(during: () => Promise<T>): Promise<T> {
  await stack.processes.get("inventory")!.stop("SIGKILL");
  try {
    return await during();
  } finally {
    await stack.restart("inventory");
  }
}

const pending = { code: Code.Unavailable, reason: "ERROR_REASON_SETTLEMENT_PENDING" };

describe("guild's durable work (real processes; inventory and guild killed mid-flow)", () => {
  it("expires invites on a durable timer, without anyone calling", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader] = await world.newCharacters(alice, 1);
    const [invited] = await world.newCharacters(bob, 1);
    const guildId = await found(alice, leader!);
    const { invite } = await guild().inviteMember({ actorCharacterId: leader!, characterId: invited! }, alice.asPlayer);

    const [expired] = messagesOf(await world.eventsUntil(guildId, ["InviteExpired"]), InviteExpiredSchema);
    expect(expired?.invite).toMatchObject({ inviteId: invite!.inviteId, characterId: invited });
    expect((await guild().listMyInvites({ actorCharacterId: invited! }, bob.asPlayer)).invites).toEqual([]);
    expect(await refusalOf(guild().acceptInvite({ actorCharacterId: invited!, inviteId: invite!.inviteId }, bob.asPlayer))).toMatchObject({
      code: Code.FailedPrecondition,
      reason: "ERROR_REASON_INVITE_EXPIRED",
    });
    expect(await guild().getMyGuild({ actorCharacterId: leader! }, alice.asPlayer)).toMatchObject({ pendingInviteCount: 0, guild: { memberCount: 1 } });
    // Inviting again after the expiry is a new invite.
    const { invite: renewed } = await guild().inviteMember({ actorCharacterId: leader!, characterId: invited! }, alice.asPlayer);
    expect(renewed?.inviteId).not.toBe(invite!.inviteId);
  });

  it("with inventory down, a founding and a deposit wait as intents; once it is back, their jobs settle both, and a disbanding waits for the deposit", async () => {
    const alice = await signUp(stack);
    const [founder, rival, leader] = await world.newCharacters(alice, 3);
    const guildId = await found(alice, leader!);
    await guild().depositToGuildBank({ actorCharacterId: leader!, amount: 10n, idempotencyKey: randomUUID() }, alice.asPlayer);
    const founding = { actorCharacterId: founder!, name: uniqueName("Patient"), tag: uniqueTag(), description: "", joinPolicy: GuildJoinPolicy.INVITE_ONLY, idempotencyKey: randomUUID() };

    await withInventoryDown(async () => {
      // The founding: not a guild yet, but its name is reserved.
      expect(await refusalOf(guild().createGuild(founding, alice.asPlayer))).toMatchObject(pending);
      expect((await guild().getMyGuild({ actorCharacterId: founder! }, alice.asPlayer)).guild).toBeUndefined();
      expect(await refusalOf(guild().createGuild({ ...founding, actorCharacterId: rival!, tag: uniqueTag(), idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject({
        reason: "ERROR_REASON_NAME_TAKEN",
      });
      // The deposit, and a disbanding decided while it is in flight: nothing else changes in the guild meanwhile.
      expect(await refusalOf(guild().depositToGuildBank({ actorCharacterId: leader!, amount: 15n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject(pending);
      expect((await guild().disbandGuild({ actorCharacterId: leader! }, alice.asPlayer)).guild?.state).toBe(GuildState.DISBANDING);
      expect(await refusalOf(guild().depositToGuildBank({ actorCharacterId: leader!, amount: 1n, idempotencyKey: randomUUID() }, alice.asPlayer))).toMatchObject({
        code: Code.FailedPrecondition,
        reason: "ERROR_REASON_GUILD_DISBANDING",
      });
    });

    const { guild: founded } = await eventually(() => guild().getMyGuild({ actorCharacterId: founder! }, alice.asPlayer), (r) => r.guild?.state === GuildState.ACTIVE, 40_000);
    expect((await guild().createGuild(founding, alice.asPlayer)).guild?.guildId).toBe(founded!.guildId);
    expect(await world.wallet(alice, founder!)).toBe(starterGold - fee);
    expect(messagesOf(await world.eventsUntil(founded!.guildId, ["GuildCreated"]), GuildCreatedSchema)).toHaveLength(1);

    // The bank went back whole, the deposit in flight included, and only after it settled.
    const events = await world.eventsUntil(guildId, ["GuildBankDeposited", "GuildDisbanded"], 40_000);
    const types = events.map((e) => e.type.replace("chaos.guild.v1.", ""));
    expect(types.filter((t) => t === "GuildBankDeposited")).toHaveLength(2);
    expect(types.indexOf("GuildDisbanded")).toBeGreaterThan(types.lastIndexOf("GuildBankDeposited"));
    expect(messagesOf(events, GuildDisbandedSchema)[0]).toMatchObject({ returnedGold: 25n, unreturnedGold: 0n });
    expect(await world.bank(guildId)).toBe(0n);
    expect(await world.wallet(alice, leader!)).toBe(starterGold - fee);
    expect(await refusalOf(guild().getGuild({ guildId }, alice.asPlayer))).toMatchObject({ code: Code.NotFound });
  });

  it("after a crash of guild, settles a deposit whose answer was lost (inventory had moved it) once, and fires the timers that fell due", async () => {
    const alice = await signUp(stack);
    const bob = await signUp(stack);
    const [leader] = await world.newCharacters(alice, 1);
    const [invited] = await world.newCharacters(bob, 1);
    const guildId = await found(alice, leader!);
    const deposit = { actorCharacterId: leader!, amount: 25n, idempotencyKey: randomUUID() };

    const invite = await withInventoryDown(async () => {
      expect(await refusalOf(guild().depositToGuildBank(deposit, alice.asPlayer))).toMatchObject(pending);
      // Killed well before the invite's expiry falls due (2 s), and down for longer than that.
      const { invite: sent } = await guild().inviteMember({ actorCharacterId: leader!, characterId: invited! }, alice.asPlayer);
      await stack.processes.get("guild")!.stop("SIGKILL");
      return sent;
    });
    // What guild's first call would have done had inventory answered it after all: the same key, the same movement.
    const [intent] = await world.sql<{ transfer_id: string; state: string }>("SELECT transfer_id, state FROM bank_transfers WHERE idempotency_key = $1", [deposit.idempotencyKey]);
    expect(intent?.state).toBe("pending");
    await world.inventoryInternal().moveGold({
      from: { owner: { case: "characterId", value: leader! } },
      to: { owner: { case: "guildId", value: guildId } },
      amount: 25n,
      idempotencyKey: `guild:bank:${intent!.transfer_id}`,
      reason: `guild:deposit:${guildId}`,
    });
    // The invite's expiry fell due while guild was down: its timer is a row of guild's database, not a setTimeout.
    await stack.restart("guild");

    await eventually(() => world.sql<{ state: string }>("SELECT state FROM bank_transfers WHERE transfer_id = $1", [intent!.transfer_id]), (rows) => rows[0]?.state === "completed", 30_000);
    expect(await guild().depositToGuildBank(deposit, alice.asPlayer)).toMatchObject({ bankBalance: 25n, walletBalance: starterGold - fee - 25n });
    expect(await world.bank(guildId)).toBe(25n);
    expect(await world.wallet(alice, leader!)).toBe(starterGold - fee - 25n);
    const events = await world.eventsUntil(guildId, ["GuildBankDeposited", "InviteExpired"]);
    expect(messagesOf(events, GuildBankDepositedSchema).map((e) => e.amount)).toEqual([25n]);
    expect(messagesOf(events, InviteExpiredSchema).map((e) => e.invite?.inviteId)).toEqual([invite!.inviteId]);
  });

  it("disbands the guild of a deleted leader with nobody else in it; its bank stays in the ledger, reported unreturned", async () => {
    const alice = await signUp(stack);
    const [leader] = await world.newCharacters(alice, 1);
    const guildId = await found(alice, leader!);
    await guild().depositToGuildBank({ actorCharacterId: leader!, amount: 20n, idempotencyKey: randomUUID() }, alice.asPlayer);

    await world.deleteCharacter(alice, leader!);
    const events = await world.eventsUntil(guildId, ["GuildDisbanded"]);
    expect(messagesOf(events, GuildDisbandedSchema)[0]).toMatchObject({
      formerMemberCharacterIds: [leader],
      returnedGold: 0n,
      unreturnedGold: 20n,
      guild: { state: GuildState.DISBANDED },
    });
    expect(await world.bank(guildId)).toBe(20n);
  });
});
