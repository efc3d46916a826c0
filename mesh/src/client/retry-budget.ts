/**
 * gRFC A6 retry throttling, per target: a token bucket that loses one token
 * per failed call and gains `tokenRatio` per success; retries are allowed
 * only while more than half the tokens remain. When an upstream is failing,
 * the bucket drains and retries stop, so retries cannot multiply an outage.
 */
export class RetryBudget {
  private tokens: number;

  /**
   * @param maxTokens bucket size (A6 example: 10; must be in (0, 1000]). Default 10.
   * @param tokenRatio tokens regained per success (A6 example: 0.1). Default 0.1.
   */
  constructor(readonly maxTokens = 10, readonly tokenRatio = 0.1) {
    if (!(maxTokens > 0 && maxTokens <= 1000)) throw new Error("retry budget maxTokens must be in (0, 1000]");
    if (!(tokenRatio > 0)) throw new Error("retry budget tokenRatio must be positive");
    this.tokens = maxTokens;
  }

  /** Records a failed attempt (of the kinds that may be retried). */
  recordFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  /** Records a successful call. */
  recordSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  /** True while retrying is allowed. */
  get allowsRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }

  /** Current tokens (for tests and metrics). */
  get available(): number {
    return this.tokens;
  }
}
