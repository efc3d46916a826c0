import { randomUUID } from "node:crypto";
import { GuildJoinPolicy } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { requireActor } from "./actors.js";
import { defaultRoles } from "./default-roles.js";
import { beginDisbanding } from "./disbanding.js";
import { guildCreated } from "./guild-events.js";
import { settleFoundingJob } from "./guild-jobs.js";
import type { GuildLedger } from "./guild-ledger.js";
import type { GuildRecord, MemberRecord, RoleRecord } from "./guild-records.js";
import type { GuildStore, GuildTransaction } from "./guild-store.js";
import { alreadyInGuild, idempotencyKeyReused, nameTaken, settlementPending, tagTaken } from "./refusals.js";
import { refusalError, requireSettled, type Settlement } from "./settlement.js";

/** What a founder asks for. */
export interface FoundingRequest {
  readonly actorCharacterId: string;
  readonly name: string;
  readonly tag: string;
  readonly description: string;
  readonly joinPolicy: GuildJoinPolicy;
  readonly idempotencyKey: string;
}

/** A guild with its roles and its leader's membership. */
export interface Founded {
  readonly guild: GuildRecord;
  readonly roles: readonly RoleRecord[];
  /** Undefined only for an old guild whose leader is gone (a retry after it disbanded). */
  readonly leader: MemberRecord | undefined;
}

export interface FoundingSettings {
  readonly creationFee: bigint;
  readonly officerDailyWithdrawalLimit: bigint;
  readonly settleAfterMs: number;
}

/**
 * The Guild Creation Flow. The fee is charged in inventory, which cannot
 * share a transaction with guild's tables, so founding is an intent first:
 * one transaction writes the guild as 'founding' (its name and tag reserved
 * by the unique indexes, the founder already in it so they cannot join
 * elsewhere meanwhile) together with a settle_founding job; then inventory
 * is asked to charge the fee under the key "guild:fee:<guild id>"; then a
 * second transaction makes the guild active (and publishes GuildCreated), or
 * deletes it when inventory refused (not enough gold): nothing is left of a
 * refused founding. When inventory does not answer, the guild stays
 * 'founding' and the job asks again with the same key until the answer is
 * known, so the fee is charged once or never, and the guild exists exactly
 * when it was paid for.
 */
export interface Founding {
  create(playerId: string, request: FoundingRequest): Promise<Founded>;
  /** The settle_founding job: throws while inventory's answer is unknown, so it runs again. */
  settle(guildId: string): Promise<void>;
}

/** Inventory's idempotency key of a guild's fee: one per guild, whoever asks. */
export const feeKey = (guildId: string) => `guild:fee:${guildId}`;

const sameFounding = (guild: GuildRecord, request: FoundingRequest) =>
  guild.name === request.name && guild.tag === request.tag && guild.description === request.description && guild.joinPolicy === request.joinPolicy;

export function createFounding(store: GuildStore, ledger: GuildLedger, settings: FoundingSettings): Founding {
  const founded = async (guildId: string): Promise<Founded> => {
    const guild = await store.guild(guildId);
    if (guild === undefined) throw new Error(`guild ${guildId} vanished while being founded`);
    const leader = await store.member(guild.leaderCharacterId);
    return { guild, roles: await store.roles(guildId), leader: leader?.guildId === guildId ? leader : undefined };
  };

  const announce = async (tx: GuildTransaction, guildId: string) => {
    const guild = await tx.guild(guildId);
    const leader = guild === undefined ? undefined : await tx.member(guild.leaderCharacterId);
    if (guild === undefined || leader === undefined) throw new Error(`guild ${guildId} has no leader to announce`);
    await tx.publish([guildCreated(guild, await tx.roles(guildId), leader)]);
  };

  /** One attempt: holds the guild's row lock while inventory is asked, so two attempts never race. */
  const settle = (guildId: string): Promise<Settlement<void>> =>
    store.transaction(async (tx): Promise<Settlement<void>> => {
      const guild = await tx.lockGuild(guildId);
      if (guild === undefined) return { kind: "gone" };
      if (guild.state !== "founding") return { kind: "settled", value: undefined };
      const outcome = await ledger.chargeFee(guild.founderCharacterId, guild.fee, feeKey(guildId), `guild:fee:${guildId}`);
      switch (outcome.kind) {
        case "unknown":
          return { kind: "pending" };
        case "refused":
          await tx.deleteFoundingGuild(guildId);
          return { kind: "refused", refusal: outcome.refusal };
        case "done": {
          await tx.setGuildState(guildId, "active");
          await announce(tx, guildId);
          // The founder's character was deleted while the fee was in flight: a guild with nobody in it goes at once.
          if ((await tx.character(guild.founderCharacterId))?.deleted === true) await beginDisbanding(tx, guildId, new Date(Date.now() + settings.settleAfterMs));
          return { kind: "settled", value: undefined };
        }
      }
    });

  return {
    async create(playerId, request) {
      const actor = await requireActor(store, playerId, request.actorCharacterId);
      const { guildId, state } = await store.transaction(async (tx) => {
        const earlier = await tx.guildByCreationKey(actor.characterId, request.idempotencyKey);
        if (earlier !== undefined) {
          if (!sameFounding(earlier, request)) throw idempotencyKeyReused(request.idempotencyKey);
          return earlier;
        }
        const membership = await tx.member(actor.characterId);
        if (membership !== undefined) throw alreadyInGuild(actor.characterId, membership.guildId);
        const guildId = randomUUID();
        const free = settings.creationFee === 0n;
        const inserted = await tx.insertGuild({
          guildId,
          name: request.name,
          tag: request.tag,
          description: request.description,
          joinPolicy: request.joinPolicy === GuildJoinPolicy.UNSPECIFIED ? GuildJoinPolicy.INVITE_ONLY : request.joinPolicy,
          state: free ? "active" : "founding",
          leaderCharacterId: actor.characterId,
          founderCharacterId: actor.characterId,
          creationKey: request.idempotencyKey,
          fee: settings.creationFee,
        });
        if (inserted === "name_taken") throw nameTaken(request.name);
        if (inserted === "tag_taken") throw tagTaken(request.tag);
        if (inserted === "key_taken") {
          // A concurrent call with the same key founded it first.
          const raced = await tx.guildByCreationKey(actor.characterId, request.idempotencyKey);
          if (raced === undefined || !sameFounding(raced, request)) throw idempotencyKeyReused(request.idempotencyKey);
          return raced;
        }
        const roles = defaultRoles(guildId, settings.officerDailyWithdrawalLimit);
        for (const role of roles) await tx.insertRole(role);
        const leaderRole = roles.find((r) => r.kind === "leader")!;
        // Joined another guild since the check above: the whole founding rolls back.
        if (!(await tx.insertMember(guildId, actor.characterId, leaderRole.roleId))) {
          throw alreadyInGuild(actor.characterId, (await tx.member(actor.characterId))?.guildId ?? "");
        }
        if (free) await announce(tx, guildId);
        else await tx.schedule([settleFoundingJob(guildId, new Date(Date.now() + settings.settleAfterMs))]);
        return { guildId, state: free ? "active" : "founding" };
      });
      if (state === "founding") {
        const settlement = await settle(guildId);
        if (settlement.kind === "refused") throw refusalError(settlement.refusal, "wallet", actor.characterId);
        if (settlement.kind !== "settled") throw settlementPending(settings.settleAfterMs);
      }
      return founded(guildId);
    },
    async settle(guildId) {
      requireSettled(await settle(guildId), `founding of guild ${guildId}`);
    },
  };
}
