import { ErrorReason } from "@chaos/gen/chaos/trading/v1/errors_pb.js";
import type { JobHandlers } from "@chaos/mesh/domain";
import { AssetsRefused, type Escrow } from "./escrow.js";
import { tradeEvent } from "./trade-events.js";
import { assetsOf, finalStatuses, holdOf, isEmpty, partyOf, sides, type TradeRecord, type TradeSide, type TradeStatus } from "./trade-records.js";
import type { TradeChange, TradeJobs, TradeStore } from "./trade-store.js";

/**
 * The escrow saga. An accepted trade moves forward by steps, each persisted
 * in the trade's row before the next begins, driven by a durable job
 * (mesh_jobs) that a crash only delays: the next run reads where the trade
 * is and goes on.
 *
 *   accepted ──holds placed──▶ escrowed ──transferred──▶ settled
 *       │                          │
 *       └──an asset refused──▶ compensating ──holds released──▶ compensated
 *
 * - accepted: place each side's hold (idempotent by "trade:<id>:<side>").
 *   A definite refusal (not enough gold, a stack gone, a character deleted)
 *   compensates. An unknown outcome (timeout, inventory down) is retried with
 *   the same key until known, or until the settle timeout, which compensates.
 * - escrowed: transfer both holds in one inventory transaction, so a trade is
 *   never half transferred; retried until it is done. Only a receiver that
 *   has gone away meanwhile makes it compensate, and then nothing moved.
 * - compensating: release every hold that exists. A side whose placement
 *   ended unknown is asked again with its key (which returns the hold if it
 *   was placed, and places it otherwise) and released, so no hold is stuck.
 *
 * Every transition is a compare-and-set on the state under the row's lock,
 * so two runs (a crashed worker's lease ending while it is still alive)
 * cannot take different branches.
 */
export interface Settlement {
  readonly jobs: JobHandlers<TradeJobs>;
  /**
   * Runs the saga of an accepted trade now, in the caller's time, resolving
   * after `waitMs` at most (the saga goes on). Its job, due a little later,
   * is the safety net: it finds the trade final and does nothing, or resumes
   * it when this run failed or this process died. Two runs at once are safe.
   */
  runNow(tradeId: string, waitMs: number): Promise<void>;
}

/** How long inventory calls of one step may take; the job's lease must be longer than a step. */
export interface SettlementOptions {
  /** An accepted trade whose holds are still not all known after this long is compensated. */
  readonly settleTimeoutMs: number;
}

const holdKey = (tradeId: string, side: TradeSide) => `trade:${tradeId}:${side}`;
const other = (side: TradeSide): TradeSide => (side === "proposer" ? "counterparty" : "proposer");

export function createSettlement(store: TradeStore, escrow: Escrow, options: SettlementOptions): Settlement {
  /** Applies `change` if the trade is still in `from`; publishes the event of the state it reaches. */
  async function transition(tradeId: string, from: TradeStatus, change: TradeChange): Promise<void> {
    await store.transaction(async (tx) => {
      const trade = await tx.lock(tradeId);
      if (trade?.status !== from) return;
      const closing = change.status !== undefined && finalStatuses.has(change.status);
      const changed = await tx.update(tradeId, closing ? { ...change, closedAt: new Date() } : change);
      const event = changed.status === from ? undefined : tradeEvent(changed);
      if (event !== undefined) await tx.publish([event]);
    });
  }

  const compensate = (trade: TradeRecord, reason: ErrorReason, message: string, side: TradeSide | undefined) =>
    transition(trade.tradeId, trade.status, { status: "compensating", failure: { reason, message, side } });

  /** Sides that give something: a side that gives nothing needs no hold. */
  const giving = (trade: TradeRecord) => sides.filter((side) => !isEmpty(assetsOf(trade, side)));

  async function holdAssets(trade: TradeRecord): Promise<void> {
    const acceptedAt = trade.acceptedAt?.getTime() ?? trade.updatedAt.getTime();
    const pending = giving(trade).filter((side) => holdOf(trade, side) === undefined);
    if (pending.length > 0 && Date.now() - acceptedAt > options.settleTimeoutMs) {
      await compensate(trade, ErrorReason.ASSETS_UNAVAILABLE, "inventory did not confirm the holds in time", undefined);
      return;
    }
    const outcomes = await Promise.allSettled(pending.map((side) => escrow.hold(partyOf(trade, side).characterId, assetsOf(trade, side), holdKey(trade.tradeId, side))));
    const held: Partial<Record<TradeSide, string>> = {};
    let refused: { side: TradeSide; error: AssetsRefused } | undefined;
    let unknown: unknown;
    outcomes.forEach((outcome, i) => {
      const side = pending[i]!;
      if (outcome.status === "fulfilled") held[side] = outcome.value;
      else if (outcome.reason instanceof AssetsRefused) refused ??= { side, error: outcome.reason };
      else unknown ??= outcome.reason;
    });
    const change: { -readonly [K in keyof TradeChange]: TradeChange[K] } = {};
    if (held.proposer !== undefined) change.proposerHoldId = held.proposer;
    if (held.counterparty !== undefined) change.counterpartyHoldId = held.counterparty;
    if (refused !== undefined) {
      const who = partyOf(trade, refused.side);
      const reason = refused.error.characterGone ? ErrorReason.CHARACTER_NOT_FOUND : ErrorReason.ASSETS_UNAVAILABLE;
      change.status = "compensating";
      change.failure = { reason, message: `${who.name}'s side could not be held: ${refused.error.message}`, side: refused.side };
    } else if (unknown === undefined) {
      change.status = "escrowed";
    }
    // The holds placed are recorded with the decision, in one step.
    await transition(trade.tradeId, "accepted", change);
    // Asked again on the job's next run, with the same keys.
    if (refused === undefined && unknown !== undefined) throw unknown;
  }

  async function transferHolds(trade: TradeRecord): Promise<void> {
    const transfers = giving(trade).map((side) => ({ holdId: holdOf(trade, side)!, toCharacterId: partyOf(trade, other(side)).characterId }));
    try {
      await escrow.transfer(transfers);
    } catch (error) {
      if (!(error instanceof AssetsRefused)) throw error;
      await compensate(trade, ErrorReason.CHARACTER_NOT_FOUND, `the exchange was refused: ${error.message}`, undefined);
      return;
    }
    await transition(trade.tradeId, "escrowed", { status: "settled" });
  }

  async function releaseHolds(trade: TradeRecord): Promise<void> {
    await Promise.all(
      giving(trade).map(async (side) => {
        let holdId = holdOf(trade, side);
        if (holdId === undefined) {
          // Refused outright: nothing was held for this side.
          if (side === trade.failedSide) return;
          try {
            holdId = await escrow.hold(partyOf(trade, side).characterId, assetsOf(trade, side), holdKey(trade.tradeId, side));
          } catch (error) {
            if (error instanceof AssetsRefused) return;
            throw error;
          }
        }
        await escrow.release(holdId);
      }),
    );
    await transition(trade.tradeId, "compensating", { status: "compensated" });
  }

  /** Runs the saga's steps until the trade is final (or a step must be retried later: it throws). */
  async function settle(tradeId: string): Promise<void> {
    for (;;) {
      const trade = await store.get(tradeId);
      if (trade === undefined || finalStatuses.has(trade.status) || trade.status === "proposed") return;
      if (trade.status === "accepted") await holdAssets(trade);
      else if (trade.status === "escrowed") await transferHolds(trade);
      else await releaseHolds(trade);
    }
  }

  return {
    jobs: {
      settle: ({ tradeId }) => settle(tradeId),
      async expire({ tradeId }) {
        await store.transaction(async (tx) => {
          const trade = await tx.lock(tradeId);
          if (trade?.status !== "proposed") return;
          const expired = await tx.update(tradeId, { status: "expired", closedAt: new Date() });
          await tx.publish([tradeEvent(expired)!]);
        });
      },
    },
    async runNow(tradeId, waitMs) {
      let timer: NodeJS.Timeout | undefined;
      // A failed run is not the caller's failure: the job retries it.
      const run = settle(tradeId).catch(() => undefined);
      await Promise.race([run, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
  };
}
