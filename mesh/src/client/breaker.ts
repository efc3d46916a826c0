import { ErrorInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import CircuitBreaker from "opossum";
import type { Logger } from "pino";
import type { MeshMetrics } from "../observability/metrics.js";

/** Circuit breaker settings; every field has a documented default. */
export interface BreakerOptions {
  /** Failure percentage within the rolling window that opens the breaker. Default 50. */
  readonly errorThresholdPercentage: number;
  /** Calls the window must hold before the percentage counts (so one failure cannot open it). Default 10. */
  readonly volumeThreshold: number;
  /** Rolling window length. Default 10 s. */
  readonly rollingCountTimeoutMs: number;
  /** Time open before one probe call is let through (half-open). Default 5 s. */
  readonly resetTimeoutMs: number;
  /**
   * An attempt that ran out of time (DEADLINE_EXCEEDED) counts against the
   * upstream only when it was given at least this long. A shorter deadline is
   * the caller's choice, and any client could pick one the upstream cannot
   * meet (a 5 ms login) to open the breaker for everyone. Default 1 s: the
   * slowest healthy calls of this mesh (a login's password hash, a saga step)
   * answer well within it, and an upstream that cannot answer in a second is
   * unhealthy for an interactive game.
   */
  readonly minCountedBudgetMs: number;
}

/** Documented defaults of {@link BreakerOptions}. */
export const defaultBreakerOptions: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingCountTimeoutMs: 10_000,
  resetTimeoutMs: 5_000,
  minCountedBudgetMs: 1_000,
};

/**
 * Codes that say the upstream is unhealthy. Others (INVALID_ARGUMENT,
 * NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION, ...) are the caller's
 * problem or a normal answer and must not open a breaker.
 */
export const unhealthyCodes: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Internal,
  Code.Unknown,
  Code.ResourceExhausted,
  Code.DataLoss,
  Code.Unimplemented,
]);

/**
 * Whether an error says the upstream is unhealthy. RESOURCE_EXHAUSTED with a
 * google.rpc.ErrorInfo is a quota of one caller (an account locked after
 * failed logins, a player's rate limit), a deliberate answer rather than an
 * overloaded upstream: counting it would let one client who keeps getting
 * refused open the breaker for every other caller. Without a reason it is
 * overload, and the other unhealthy codes count with or without one.
 * DEADLINE_EXCEEDED counts only when the attempt had at least
 * `minCountedBudgetMs` (its budget is given as `budgetMs`; unknown = enough):
 * a deadline too short to meet is the caller's doing, not the upstream's.
 */
export function countsAgainstUpstream(error: unknown, budgetMs = Infinity, minCountedBudgetMs = defaultBreakerOptions.minCountedBudgetMs): boolean {
  if (!(error instanceof ConnectError) || !unhealthyCodes.has(error.code)) return false;
  if (error.code === Code.DeadlineExceeded) return budgetMs >= minCountedBudgetMs;
  return !(error.code === Code.ResourceExhausted && error.findDetails(ErrorInfoSchema).length > 0);
}

/** An error thrown without calling upstream because its breaker is open. */
export class BreakerOpenError extends ConnectError {
  /** Brand: ConnectError's Symbol.hasInstance matches any ConnectError, so `instanceof` cannot tell. */
  readonly breakerOpen = true;

  constructor(readonly target: string, readonly method: string) {
    super(`circuit breaker open for ${target} ${method}`, Code.Unavailable);
  }
}

/** True for the error of a call refused by an open breaker (never sent upstream). */
export function isBreakerOpen(error: unknown): error is BreakerOpenError {
  return error instanceof ConnectError && (error as Partial<BreakerOpenError>).breakerOpen === true;
}

const stateValue = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * One opossum breaker per (target, method), created on first use. Deadlines
 * bound each call, so opossum's own timeout is off. A cancelled call, or one
 * that ran out of a deadline shorter than `minCountedBudgetMs`, is not a
 * failure (opossum's errorFilter counts it like a normal answer).
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>, number], unknown>>();

  constructor(
    private readonly options: BreakerOptions,
    private readonly logger: Logger,
    private readonly metrics: MeshMetrics | undefined,
  ) {}

  /** Runs `attempt`, which has `budgetMs` until its deadline (default: unbounded), through the breaker of (target, method). */
  async fire<T>(target: string, method: string, attempt: () => Promise<T>, budgetMs = Infinity): Promise<T> {
    const breaker = this.get(target, method);
    try {
      return (await breaker.fire(attempt, budgetMs)) as T;
    } catch (error) {
      if ((error as { code?: unknown }).code === "EOPENBREAKER") {
        throw new BreakerOpenError(target, method);
      }
      throw error;
    }
  }

  /** "closed" | "open" | "halfOpen" for tests and status pages. */
  state(target: string, method: string): "closed" | "open" | "halfOpen" {
    const breaker = this.breakers.get(`${target} ${method}`);
    if (breaker === undefined || breaker.closed) return "closed";
    return breaker.halfOpen ? "halfOpen" : "open";
  }

  /** Stops the breakers' timers. */
  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }

  private get(target: string, method: string): CircuitBreaker<[() => Promise<unknown>, number], unknown> {
    const key = `${target} ${method}`;
    let breaker = this.breakers.get(key);
    if (breaker !== undefined) return breaker;
    // Whether an error counts needs the attempt's budget, which opossum's errorFilter is not given: the action decides.
    const notFailures = new WeakSet<object>();
    const run = (attempt: () => Promise<unknown>, budgetMs: number) =>
      attempt().catch((error: unknown) => {
        if (typeof error === "object" && error !== null && !countsAgainstUpstream(error, budgetMs, this.options.minCountedBudgetMs)) notFailures.add(error);
        throw error;
      });
    breaker = new CircuitBreaker(run, {
      timeout: false,
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      volumeThreshold: this.options.volumeThreshold,
      rollingCountTimeout: this.options.rollingCountTimeoutMs,
      resetTimeout: this.options.resetTimeoutMs,
      // true = "not a failure": only unhealthy-upstream codes count.
      errorFilter: (error: unknown) => typeof error !== "object" || error === null || notFailures.has(error),
    });
    const labels = { target, method };
    this.metrics?.breakerState.set(labels, stateValue.closed);
    const changed = (name: keyof typeof stateValue) => () => {
      this.metrics?.breakerState.set(labels, stateValue[name]);
      this.logger.warn({ target, method, state: name }, "circuit breaker state changed");
    };
    breaker.on("open", changed("open"));
    breaker.on("halfOpen", changed("halfOpen"));
    breaker.on("close", changed("closed"));
    this.breakers.set(key, breaker);
    return breaker;
  }
}
