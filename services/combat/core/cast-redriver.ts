import { DomainError } from "@chaos/mesh/domain";
import type { Logger } from "pino";
import type { CastLog } from "../store/cast-log.js";
import type { ManaAndCooldowns } from "../store/mana-and-cooldowns.js";
import type { SpellCaster } from "./cast-spell.js";
import { sweepLostPayments } from "./payment-sweep.js";

/** Options of {@link createCastRedriver}. */
export interface CastRedriverOptions {
  /** How often it looks for pending casts that are due. */
  readonly intervalMs: number;
  /** How long a cast it re-drove without learning the outcome waits before the next try. */
  readonly retryAfterMs: number;
  /** Most casts (and lost payments) taken up per look. */
  readonly batchSize: number;
}

/**
 * Ends the casts whose own call lost the hit's answer (a deadline, a cancelled
 * call, a combat that died), and the payments whose own call lost their cast.
 */
export interface CastRedriver {
  /** Stops looking, after the casts in hand are done with. */
  stop(): Promise<void>;
}

/**
 * Re-drives due pending casts on a timer, in every replica: a claim pushes a
 * cast's next re-drive later, so replicas take different casts, and a replica
 * that dies holding some leaves them due again. The casts are rows of the
 * cast log, so this needs no job per cast (a job would double the cast's
 * writes on the hot path for the rare cast that needs it).
 */
export function createCastRedriver(casts: CastLog, resources: ManaAndCooldowns, caster: SpellCaster, logger: Pick<Logger, "warn" | "info">, options: CastRedriverOptions): CastRedriver {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const look = async () => {
    try {
      const due = await casts.claimDue(options.batchSize, options.retryAfterMs);
      const ended = await Promise.allSettled(due.map((pending) => caster.resume(pending)));
      for (const [i, result] of ended.entries()) {
        const castId = due[i]!.castId;
        // A refused hit is an end too (refunded); only an unknown outcome keeps the cast pending.
        if (result.status === "fulfilled" || result.reason instanceof DomainError) logger.info({ castId }, "pending cast ended by the re-driver");
        else logger.warn({ err: result.reason, castId }, "pending cast still has no outcome; it will be re-driven");
      }
    } catch (error) {
      logger.warn({ err: error }, "could not look for pending casts");
    }
    try {
      // As old as a pending cast is before its re-drive: by then any record of the payment's cast has committed.
      await sweepLostPayments(resources, casts, { olderThanMs: options.retryAfterMs, limit: options.batchSize }, logger);
    } catch (error) {
      logger.warn({ err: error }, "could not look for lost payments");
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = look().finally(schedule);
    }, options.intervalMs);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}

