import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorReason, ErrorReasonSchema } from "@chaos/gen/chaos/inventory/v1/errors_pb.js";
import type { InventoryInternalService } from "@chaos/gen/chaos/inventory/v1/inventory_internal_service_pb.js";
import { LedgerAccountSchema, type LedgerAccount, type LedgerEntry } from "@chaos/gen/chaos/inventory/v1/item_pb.js";
import { errorInfoOf, idempotencyKeyHeader, reasonName } from "@chaos/mesh/client";
import type { GuildLedger, LedgerAccountRef, LedgerOutcome, LedgerRefusalReason } from "../core/guild-ledger.js";
import type { BankEntryRecord } from "../core/guild-records.js";

const inventoryDomain = "inventory.chaos.world";

/** Inventory's refusals that mean "nothing moved, and nothing will under this key with these arguments". */
const definiteRefusals = new Map<string, LedgerRefusalReason>([
  [reasonName(ErrorReasonSchema, ErrorReason.INSUFFICIENT_FUNDS), "insufficient_funds"],
  [reasonName(ErrorReasonSchema, ErrorReason.CHARACTER_NOT_FOUND), "character_not_found"],
  [reasonName(ErrorReasonSchema, ErrorReason.SAME_ACCOUNT), "rejected"],
]);

/** Codes with which a call is refused before it can have had an effect (validation, the policy, no token). */
const refusedBeforeActing = new Set([Code.InvalidArgument, Code.PermissionDenied, Code.Unauthenticated]);

/**
 * Sorts a failed gold movement into a definite refusal or an unknown
 * outcome. Only inventory's own business refusals and refusals before the
 * call ran are definite; everything else (UNAVAILABLE, DEADLINE_EXCEEDED, a
 * cancelled call, INTERNAL, an open breaker, IDEMPOTENCY_KEY_REUSED, which
 * would be a bug of ours) may have moved the gold or not, and is settled by
 * asking again with the same key.
 */
function outcomeOfFailure<T>(error: unknown): LedgerOutcome<T> {
  if (!(error instanceof ConnectError)) return { kind: "unknown", cause: error };
  const info = errorInfoOf(error);
  const known = info?.domain === inventoryDomain ? definiteRefusals.get(info.reason) : undefined;
  if (known !== undefined) return { kind: "refused", refusal: { reason: known, message: error.rawMessage, metadata: info?.metadata ?? {} } };
  if (info === undefined && refusedBeforeActing.has(error.code)) return { kind: "refused", refusal: { reason: "rejected", message: error.rawMessage, metadata: {} } };
  return { kind: "unknown", cause: error };
}

function ledgerAccount(ref: LedgerAccountRef): LedgerAccount {
  return create(LedgerAccountSchema, { owner: "characterId" in ref ? { case: "characterId", value: ref.characterId } : { case: "guildId", value: ref.guildId } });
}

const walletPrefix = "wallet:";

/** A ledger entry of the bank "guild:<guild id>" as a bank movement: a credit to the bank is a deposit. */
function toBankEntry(guildId: string, entry: LedgerEntry): BankEntryRecord {
  const deposit = entry.creditAccount === `guild:${guildId}`;
  const counterAccount = deposit ? entry.debitAccount : entry.creditAccount;
  return {
    entryId: entry.entryId,
    transactionId: entry.transactionId,
    direction: deposit ? "deposit" : "withdrawal",
    characterId: counterAccount.startsWith(walletPrefix) ? counterAccount.slice(walletPrefix.length) : "",
    counterAccount,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    createdAt: entry.createTime === undefined ? new Date(0) : timestampDate(entry.createTime),
  };
}

/**
 * The guild ledger through inventory's internal API. Movements carry their
 * idempotency key in the request and as the idempotency-key header, so the
 * mesh may retry them on UNAVAILABLE; each call has its own deadline, so a
 * settlement holding a lock never waits on inventory for longer.
 * The client is made on first use: a world without inventory (a test stack)
 * fails these calls, not guild's start-up.
 */
export function createInventoryLedger(connect: () => Client<typeof InventoryInternalService>, timeoutMs: number): GuildLedger {
  let inventory: Client<typeof InventoryInternalService> | undefined;
  const client = () => (inventory ??= connect());
  const keyed = (idempotencyKey: string) => ({ timeoutMs, headers: { [idempotencyKeyHeader]: idempotencyKey } });
  return {
    async chargeFee(characterId, amount, idempotencyKey, reason) {
      try {
        await client().spendGold({ characterId, amount, idempotencyKey, reason }, keyed(idempotencyKey));
        return { kind: "done", value: undefined };
      } catch (error) {
        return outcomeOfFailure(error);
      }
    },
    async move(from, to, amount, idempotencyKey, reason) {
      try {
        const moved = await client().moveGold({ from: ledgerAccount(from), to: ledgerAccount(to), amount, idempotencyKey, reason }, keyed(idempotencyKey));
        return { kind: "done", value: { transactionId: moved.transactionId, fromBalance: moved.fromBalance, toBalance: moved.toBalance } };
      } catch (error) {
        return outcomeOfFailure(error);
      }
    },
    async bankBalance(guildId) {
      return (await client().getAccountBalance({ account: ledgerAccount({ guildId }) }, { timeoutMs })).balance;
    },
    async bankHistory(guildId, pageSize, pageToken) {
      const page = await client().listAccountEntries({ account: ledgerAccount({ guildId }), pageSize, pageToken }, { timeoutMs });
      return { entries: page.entries.map((e) => toBankEntry(guildId, e)), nextPageToken: page.nextPageToken };
    },
  };
}
