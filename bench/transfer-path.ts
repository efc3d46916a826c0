import { runClosedLoop, type ClosedLoopResult } from "./closed-loop.js";
import { drawPair, type AccountSampler } from "./zipf.js";

/**
 * A way to move gold between two of a fixed set of accounts (numbered 0..n-1):
 * the product through the gateway, or bare SQL on PostgreSQL. The transfer
 * benchmark drives every path with the same loop and the same draws.
 */
export interface TransferPath {
  /**
   * Moves `amount` from account `from` to account `to` as worker `worker`
   * (each worker may own a connection). A refusal is thrown; one for lack of
   * funds has the outcome label INSUFFICIENT_FUNDS.
   */
  transfer(worker: number, from: number, to: number, amount: bigint): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link measureTransfers}. */
export interface TransferLoad {
  /** Clients, each with one transfer in flight at a time. */
  readonly concurrency: number;
  readonly seconds: number;
  /** Gold per transfer. */
  readonly amount: bigint;
}

/** Closed-loop transfers on `path`, sender and receiver of each drawn from `sample` (never the same account). */
export function measureTransfers(path: TransferPath, sample: AccountSampler, load: TransferLoad): Promise<ClosedLoopResult> {
  return runClosedLoop({
    concurrency: load.concurrency,
    seconds: load.seconds,
    operation: (worker) => {
      const [from, to] = drawPair(sample);
      return path.transfer(worker, from, to, load.amount);
    },
  });
}
