/**
 * A refusal of the domain, thrown by a service's core logic: a value of the
 * service's ErrorReason enum, a message for people and metadata for clients.
 * Core code knows nothing of status codes; the service's handlers map each
 * reason to one (see createDomainErrorInterceptor).
 */
export class DomainError extends Error {
  /**
   * For refusals that pass with time (a rate limit): how long until the call
   * would be allowed. It reaches the client as google.rpc.RetryInfo, so
   * clients back off exactly as long as needed instead of guessing.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly reason: number,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    options: { readonly retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = "DomainError";
    this.retryAfterMs = options.retryAfterMs;
  }
}
