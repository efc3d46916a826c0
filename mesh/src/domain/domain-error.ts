/**
 * A refusal of the domain, thrown by a service's core logic: a value of the
 * service's ErrorReason enum, a message for people and metadata for clients.
 * Core code knows nothing of status codes; the service's handlers map each
 * reason to one (see createDomainErrorInterceptor).
 */
export class DomainError extends Error {
  constructor(
    readonly reason: number,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}
