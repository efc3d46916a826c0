import { GuildPermission } from "@chaos/gen/chaos/guild/v1/guild_pb.js";
import { allows, lockMembership, requireActor, requirePermission } from "./actors.js";
import { bankTransferCompleted } from "./guild-events.js";
import { settleDisbandJob, settleTransferJob } from "./guild-jobs.js";
import type { GuildLedger, LedgerAccountRef } from "./guild-ledger.js";
import type { BankEntryRecord, BankTransferRecord, RoleRecord, TransferDirection, TransferOutcome } from "./guild-records.js";
import type { GuildStore } from "./guild-store.js";
import { idempotencyKeyReused, notAMember, settlementPending, withdrawalLimitExceeded } from "./refusals.js";
import { refusalError, requireSettled, type Settlement } from "./settlement.js";

/** A deposit or withdrawal a member asks for. */
export interface BankMovementRequest {
  readonly actorCharacterId: string;
  readonly amount: bigint;
  /** The character's key: a retry with it moves the gold once. */
  readonly idempotencyKey: string;
}

/** Both balances after a movement, and what the actor may still withdraw today. */
export interface BankMovementResult extends TransferOutcome {
  readonly withdrawalRemainingToday: bigint;
}

export interface BankHistory {
  readonly entries: readonly BankEntryRecord[];
  readonly nextPageToken: string;
  readonly balance: bigint;
}

/**
 * The guild bank: inventory's ledger account "guild:<guild id>". Deposits
 * and withdrawals are MoveGold between it and the member's wallet, never a
 * mint or a sink. A movement is an intent first: one transaction checks the
 * member (and, for a withdrawal, the role's permission and daily limit) and
 * writes a pending bank_transfers row with its settle_transfer job; a pending
 * withdrawal counts against the daily limit, so it is the reservation that
 * keeps concurrent withdrawals of one member (serialized by their membership
 * row's lock) within it. Then inventory is asked to move the gold under the
 * key "guild:bank:<transfer id>", holding the row's lock so no other attempt
 * runs at the same time, and the same transaction records the outcome and
 * publishes the event. Inventory's definite refusal (not enough gold)
 * deletes the intent (the reservation goes with it); no answer leaves it
 * pending for the job, which asks again with the same key. The bank's
 * balance and history are inventory's.
 */
export interface Bank {
  deposit(playerId: string, request: BankMovementRequest): Promise<BankMovementResult>;
  withdraw(playerId: string, request: BankMovementRequest): Promise<BankMovementResult>;
  history(playerId: string, actorCharacterId: string, pageSize: number, pageToken: string): Promise<BankHistory>;
  /** The settle_transfer job: throws while inventory's answer is unknown, so it runs again. */
  settle(transferId: string): Promise<void>;
}

/** Inventory's idempotency key of one bank transfer. */
export const transferKey = (transferId: string) => `guild:bank:${transferId}`;

/**
 * Gold a member may still withdraw today: the whole bank for the leader,
 * nothing without GUILD_PERMISSION_WITHDRAW, else what is left of the role's
 * daily limit.
 */
export function withdrawalAllowance(role: RoleRecord, withdrawnToday: bigint, bankBalance: bigint): bigint {
  if (role.kind === "leader") return bankBalance;
  if (!allows(role, GuildPermission.WITHDRAW)) return 0n;
  return role.dailyWithdrawalLimit > withdrawnToday ? role.dailyWithdrawalLimit - withdrawnToday : 0n;
}

export function createBank(store: GuildStore, ledger: GuildLedger, settings: { readonly settleAfterMs: number }): Bank {
  const settle = (transferId: string): Promise<Settlement<TransferOutcome>> =>
    store.transaction(async (tx): Promise<Settlement<TransferOutcome>> => {
      const transfer = await tx.lockTransfer(transferId);
      if (transfer === undefined) return { kind: "gone" };
      if (transfer.outcome !== undefined) return { kind: "settled", value: transfer.outcome };
      const wallet: LedgerAccountRef = { characterId: transfer.characterId };
      const bank: LedgerAccountRef = { guildId: transfer.guildId };
      const deposit = transfer.direction === "deposit";
      const reason = `guild:${transfer.direction}:${transfer.guildId}`;
      const outcome = await ledger.move(deposit ? wallet : bank, deposit ? bank : wallet, transfer.amount, transferKey(transferId), reason);
      if (outcome.kind === "unknown") return { kind: "pending" };
      // A guild disbanding waits for its transfers in flight; the last one to settle lets it go on at once.
      const guild = await tx.guild(transfer.guildId);
      if (guild?.state === "disbanding") await tx.schedule([settleDisbandJob(transfer.guildId, new Date())]);
      if (outcome.kind === "refused") {
        await tx.deleteTransfer(transferId);
        return { kind: "refused", refusal: outcome.refusal };
      }
      const { transactionId, fromBalance, toBalance } = outcome.value;
      const recorded = { transactionId, bankBalanceAfter: deposit ? toBalance : fromBalance, walletBalanceAfter: deposit ? fromBalance : toBalance };
      await tx.completeTransfer(transferId, recorded);
      await tx.publish([bankTransferCompleted(transfer, recorded, new Date())]);
      return { kind: "settled", value: recorded };
    });

  /** Records the intent, or finds the one this key recorded before. */
  const intend = (characterId: string, direction: TransferDirection, request: BankMovementRequest): Promise<BankTransferRecord> =>
    store.transaction(async (tx) => {
      const sameRequest = (t: BankTransferRecord) => t.direction === direction && t.amount === request.amount;
      const earlier = await tx.transferByKey(characterId, request.idempotencyKey);
      if (earlier !== undefined) {
        if (!sameRequest(earlier)) throw idempotencyKeyReused(request.idempotencyKey);
        return earlier;
      }
      const { member, guild } = await lockMembership(tx, characterId, "shared");
      if (direction === "withdrawal") {
        requirePermission(member, GuildPermission.WITHDRAW);
        if (member.role.kind !== "leader") {
          const withdrawn = await tx.withdrawnToday(guild.guildId, characterId);
          if (withdrawn + request.amount > member.role.dailyWithdrawalLimit) throw withdrawalLimitExceeded(member.role.dailyWithdrawalLimit, withdrawn);
        }
      }
      const { transfer, inserted } = await tx.insertTransfer({ guildId: guild.guildId, characterId, direction, amount: request.amount, idempotencyKey: request.idempotencyKey });
      if (!inserted) {
        // A concurrent call with the same key recorded it first.
        if (!sameRequest(transfer)) throw idempotencyKeyReused(request.idempotencyKey);
        return transfer;
      }
      await tx.schedule([settleTransferJob(transfer.transferId, new Date(Date.now() + settings.settleAfterMs))]);
      return transfer;
    });

  const remainingToday = async (transfer: BankTransferRecord, bankBalance: bigint): Promise<bigint> => {
    const member = await store.member(transfer.characterId);
    if (member === undefined || member.guildId !== transfer.guildId) return 0n;
    return withdrawalAllowance(member.role, await store.withdrawnToday(transfer.guildId, transfer.characterId), bankBalance);
  };

  const move = async (playerId: string, direction: TransferDirection, request: BankMovementRequest): Promise<BankMovementResult> => {
    const actor = await requireActor(store, playerId, request.actorCharacterId);
    const transfer = await intend(actor.characterId, direction, request);
    const settlement = transfer.outcome !== undefined ? { kind: "settled" as const, value: transfer.outcome } : await settle(transfer.transferId);
    switch (settlement.kind) {
      case "settled":
        return { ...settlement.value, withdrawalRemainingToday: await remainingToday(transfer, settlement.value.bankBalanceAfter) };
      case "refused":
        throw refusalError(settlement.refusal, direction === "deposit" ? "wallet" : "bank", actor.characterId);
      case "pending":
      case "gone":
        throw settlementPending(settings.settleAfterMs);
    }
  };

  return {
    deposit: (playerId, request) => move(playerId, "deposit", request),
    withdraw: (playerId, request) => move(playerId, "withdrawal", request),
    async history(playerId, actorCharacterId, pageSize, pageToken) {
      await requireActor(store, playerId, actorCharacterId);
      const member = await store.member(actorCharacterId);
      const guild = member === undefined ? undefined : await store.guild(member.guildId);
      if (guild === undefined || (guild.state !== "active" && guild.state !== "disbanding")) throw notAMember();
      const [page, balance] = await Promise.all([ledger.bankHistory(guild.guildId, pageSize, pageToken), ledger.bankBalance(guild.guildId)]);
      return { ...page, balance };
    },
    async settle(transferId) {
      requireSettled(await settle(transferId), `bank transfer ${transferId}`);
    },
  };
}
