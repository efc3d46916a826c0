import { requireActor } from "./actors.js";
import { guildDisbanded } from "./guild-events.js";
import { settleDisbandJob } from "./guild-jobs.js";
import type { GuildLedger } from "./guild-ledger.js";
import type { GuildRecord } from "./guild-records.js";
import type { GuildStore, GuildTransaction } from "./guild-store.js";
import { notAMember, notLeader } from "./refusals.js";
import { requireSettled, type Settlement } from "./settlement.js";

/**
 * Disbanding: the guild's bank goes back to the leader's wallet, then the
 * guild ends. The return is a MoveGold in inventory, so, as with founding,
 * the decision is recorded first: the guild turns 'disbanding' (nothing
 * changes in it any more, no deposit or withdrawal can start) with a
 * settle_disband job. Settling waits until the bank's own pending transfers
 * are settled (so the balance is final), records the balance as the amount
 * to return (so every retry moves the same amount under the same key,
 * "guild:disband:<guild id>"), moves it, and only then removes the members,
 * frees the name and publishes GuildDisbanded. A leader whose character is
 * gone cannot receive gold: the balance then stays in the bank's ledger
 * account, reported as unreturned_gold, neither lost nor duplicated.
 */
export interface Disbanding {
  /** The guild afterwards: DISBANDED, or still DISBANDING while the bank is on its way. */
  disband(playerId: string, actorCharacterId: string): Promise<GuildRecord>;
  /** The settle_disband job: throws until the guild is disbanded, so it runs again. */
  settle(guildId: string): Promise<void>;
}

/** Inventory's idempotency key of the bank's return at disbanding. */
export const disbandKey = (guildId: string) => `guild:disband:${guildId}`;

/** Turns an active guild 'disbanding' and schedules its settlement, inside the caller's transaction (which holds the guild's lock). */
export async function beginDisbanding(tx: GuildTransaction, guildId: string, dueAt: Date): Promise<void> {
  await tx.setGuildState(guildId, "disbanding");
  await tx.schedule([settleDisbandJob(guildId, dueAt)]);
}

export function createDisbanding(store: GuildStore, ledger: GuildLedger, settings: { readonly settleAfterMs: number }): Disbanding {
  /** The amount to return, read from inventory once; undefined while it cannot be known yet. */
  const fixAmount = (guildId: string): Promise<bigint | "settled" | undefined> =>
    store.transaction(async (tx) => {
      const guild = await tx.lockGuild(guildId);
      if (guild === undefined || guild.state !== "disbanding") return "settled";
      if (guild.disbandAmount !== undefined) return guild.disbandAmount;
      if (await tx.hasPendingTransfers(guildId)) return undefined;
      let balance: bigint;
      try {
        balance = await ledger.bankBalance(guildId);
      } catch {
        return undefined;
      }
      await tx.setDisbandAmount(guildId, balance);
      return balance;
    });

  const settle = async (guildId: string): Promise<Settlement<void>> => {
    const amount = await fixAmount(guildId);
    if (amount === "settled") return { kind: "settled", value: undefined };
    if (amount === undefined) return { kind: "pending" };
    return store.transaction(async (tx): Promise<Settlement<void>> => {
      const guild = await tx.lockGuild(guildId);
      if (guild === undefined || guild.state !== "disbanding") return { kind: "settled", value: undefined };
      const leader = await tx.character(guild.leaderCharacterId);
      let returned = 0n;
      if (amount > 0n && leader !== undefined && !leader.deleted) {
        const outcome = await ledger.move({ guildId }, { characterId: leader.characterId }, amount, disbandKey(guildId), `guild:disband:${guildId}`);
        if (outcome.kind === "unknown") return { kind: "pending" };
        if (outcome.kind === "refused" && outcome.refusal.reason !== "character_not_found") {
          // The bank moves only through guild, and nothing moves it while disbanding: this is a bug to look at, not to paper over.
          throw new Error(`inventory refused to return the bank of guild ${guildId}: ${outcome.refusal.message}`);
        }
        if (outcome.kind === "done") returned = amount;
      }
      const formerMembers = await tx.removeAllMembers(guildId);
      await tx.revokeGuildInvites(guildId);
      await tx.withdrawGuildJoinRequests(guildId);
      await tx.finishDisband(guildId, returned, amount - returned);
      const final = await tx.guild(guildId);
      await tx.publish([guildDisbanded(final!, formerMembers, new Date())]);
      return { kind: "settled", value: undefined };
    });
  };

  return {
    async disband(playerId, actorCharacterId) {
      await requireActor(store, playerId, actorCharacterId);
      const guildId = await store.transaction(async (tx) => {
        const seen = await tx.member(actorCharacterId);
        if (seen === undefined) throw notAMember();
        const guild = await tx.lockGuild(seen.guildId);
        if (guild === undefined || (guild.state !== "active" && guild.state !== "disbanding")) throw notAMember();
        if (guild.leaderCharacterId !== actorCharacterId) throw notLeader();
        if (guild.state === "active") await beginDisbanding(tx, guild.guildId, new Date(Date.now() + settings.settleAfterMs));
        return guild.guildId;
      });
      // Not settled now (inventory did not answer, or a deposit is still in flight): the job finishes it.
      await settle(guildId);
      return (await store.guild(guildId))!;
    },
    async settle(guildId) {
      requireSettled(await settle(guildId), `disbanding of guild ${guildId}`);
    },
  };
}
