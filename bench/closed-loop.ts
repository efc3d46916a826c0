import { performance } from "node:perf_hooks";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorInfoOf } from "@chaos/mesh";

/** What a closed loop measured. */
export interface ClosedLoopResult {
  readonly seconds: number;
  /** Operations that succeeded. */
  readonly ok: number;
  readonly okPerSecond: number;
  /** Latency percentiles of the successful operations, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every operation by outcome: "OK", or the refusal's code and reason (e.g. "FailedPrecondition INSUFFICIENT_FUNDS"). */
  readonly outcomes: Readonly<Record<string, number>>;
}

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  /** Workers, each running one operation at a time (the "clients"). */
  readonly concurrency: number;
  /** How long it runs. */
  readonly seconds: number;
  /**
   * One operation of worker `worker` (0 ≤ worker < concurrency). A failure is
   * thrown and counted by its outcome label. It may resolve with the latency
   * to record when that is not its whole duration (a trade records accept →
   * settled, not the proposal before it); by default its duration is recorded.
   */
  readonly operation: (worker: number) => Promise<number | void>;
}

/**
 * Runs `concurrency` workers for `seconds`: each starts its next operation
 * when the last one returns (a closed loop: the system's speed sets the
 * rate). Only operations that end inside the time count; the ones still in
 * flight at its end are awaited, so the next measurement starts on a quiet
 * system. A warm-up is a run of its own whose result is dropped.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const closes = performance.now() + options.seconds * 1000;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      while (performance.now() < closes) {
        const started = performance.now();
        let outcome = "OK";
        let latency: number | void = undefined;
        try {
          latency = await options.operation(worker);
        } catch (error) {
          outcome = outcomeOf(error);
        }
        const ended = performance.now();
        if (ended > closes) continue;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (outcome === "OK") latencies.push(latency ?? ended - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    seconds: options.seconds,
    ok: latencies.length,
    okPerSecond: latencies.length / options.seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    outcomes,
  };
}

/** The label an operation's failure is counted under: a refusal's code and ErrorInfo reason, or the error's message. */
export function outcomeOf(error: unknown): string {
  if (error instanceof ConnectError) {
    const reason = errorInfoOf(error)?.reason.replace(/^ERROR_REASON_/, "");
    return reason === undefined ? Code[error.code] : `${Code[error.code]} ${reason}`;
  }
  return error instanceof Error ? error.message.slice(0, 80) : String(error);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
