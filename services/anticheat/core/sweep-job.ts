import { ActionState } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import type { AnticheatStore } from "./anticheat-store.js";
import { liftAction } from "./enforcement.js";

/** Where a failed round is reported (the service's logger). */
export interface SweepLogger {
  warn(fields: object, message: string): void;
}

/** The sweep; stop() waits for a round under way. */
export interface SweepJob {
  stop(): Promise<void>;
}

/** Expired actions lifted per round: a backlog drains over a few rounds without one long transaction. */
const batch = 200;

/**
 * One round: lifts the actions whose time ran out (ActionLifted tells
 * identity and trading) and forgets the rules' memory older than the
 * retention. Replicas skip each other's locked rows, so each expiry is
 * announced once.
 */
export async function sweepRound(store: AnticheatStore, now: Date, retentionMs: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (const action of await tx.expiredActions(now, batch)) await liftAction(tx, action, ActionState.EXPIRED, "its time ran out", now);
    await tx.prune(new Date(now.getTime() - retentionMs));
  });
}

/** Runs a round every `intervalMs`; a failed round is logged and the next one does its work. */
export function startSweepJob(store: AnticheatStore, settings: { sweepMs: number; retentionMs: number }, logger: SweepLogger): SweepJob {
  let round: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    round = round.then(() => sweepRound(store, new Date(), settings.retentionMs).catch((error: unknown) => logger.warn({ err: error }, "the anticheat sweep failed; the next round retries")));
  }, settings.sweepMs);
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
