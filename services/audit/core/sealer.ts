import type { AuditLog } from "./audit-log.js";

/** Where a failed round is reported (the service's logger). */
export interface SealerLogger {
  warn(fields: object, message: string): void;
}

/** The periodic sealing of grown chains; stop() waits for a round under way. */
export interface Sealer {
  stop(): Promise<void>;
}

/**
 * Seals the chains that grew every `intervalMs` (AuditLog.seal). A round
 * that fails (the database away) is logged and the next one seals what it
 * left: a seal is a snapshot of a head, so none is owed. Every replica runs
 * one; they split the chains between them.
 */
export function startSealer(log: AuditLog, intervalMs: number, logger: SealerLogger): Sealer {
  let round: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    round = round.then(() =>
      log.seal().then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, "sealing the audit chains failed; the next round retries"),
      ),
    );
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
