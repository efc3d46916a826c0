import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ErrorReason } from "@chaos/gen/chaos/analytics/v1/errors_pb.js";
import { AggregatesRebuiltSchema } from "@chaos/gen/chaos/analytics/v1/events_pb.js";
import { DomainError, topicName, type JobRun } from "@chaos/mesh/domain";
import type { Logger } from "pino";
import type { Aggregator } from "./aggregation.js";
import type { AnalyticsStore, AnalyticsTransaction, RebuildRecord } from "./analytics-store.js";

/** The job kind of a rebuild's steps and its payload. */
export interface RebuildJobs {
  "analytics.rebuild-step": { readonly rebuildId: string };
}

export interface RebuildLimits {
  /** Facts one step replays (one transaction, well inside the job lease). */
  readonly batchSize: number;
  /** Runs of one step that failed before the rebuild is marked FAILED (the old aggregates stay). */
  readonly maxAttempts: number;
}

const notFound = (rebuildId: string) => new DomainError(ErrorReason.REBUILD_NOT_FOUND, "no such rebuild", { rebuild_id: rebuildId });

/**
 * Rebuilds replay the history (analytics_facts) into the next generation of
 * the aggregates, one batch per job run, and swap it in at the end:
 *
 * 1. Start: with the history locked for a moment, note its last seq (the
 *    snapshot); every fact up to it is committed, every later one comes after.
 * 2. Steps: replay facts up to the snapshot in seq order, a batch per job,
 *    keeping the cursor and the progress in the rebuild's row (a crash
 *    resumes at the cursor: a step's writes and its cursor commit together).
 * 3. Last step: lock the history (the live consumer waits), replay what came
 *    after the snapshot, point queries at the new generation, drop the old.
 *
 * The live path keeps counting into the old generation meanwhile, so queries
 * answer all along; the new one holds the same events applied in the same
 * order by the same function (Aggregator.apply), hence the same aggregates.
 */
export function createRebuilds(store: AnalyticsStore, aggregator: Aggregator, limits: RebuildLimits, source: string, logger: Logger) {
  async function replay(tx: AnalyticsTransaction, rebuild: RebuildRecord, upTo: bigint | undefined, limit: number) {
    const facts = await tx.factsAfter(rebuild.cursorSeq, upTo, limit);
    const writer = tx.aggregates(rebuild.generation);
    for (const fact of facts) await aggregator.applyFact(writer, fact);
    return { count: BigInt(facts.length), cursor: facts.at(-1)?.seq ?? rebuild.cursorSeq };
  }

  async function step(rebuildId: string): Promise<void> {
    await store.transaction(async (tx) => {
      const rebuild = await tx.lockRebuild(rebuildId);
      if (rebuild === undefined || rebuild.state !== "running") return;
      const batch = await replay(tx, rebuild, rebuild.snapshotSeq, limits.batchSize);
      const replayed = rebuild.eventsReplayed + batch.count;
      if (batch.count === BigInt(limits.batchSize) && batch.cursor < rebuild.snapshotSeq) {
        await tx.updateRebuild(rebuildId, { cursorSeq: batch.cursor, eventsReplayed: replayed });
        await tx.scheduleRebuildStep(rebuildId);
        return;
      }
      await tx.lockHistory();
      const tail = await replay(tx, { ...rebuild, cursorSeq: batch.cursor }, undefined, Number.MAX_SAFE_INTEGER);
      const total = replayed + tail.count;
      await tx.setLiveGeneration(rebuild.generation);
      await tx.clearGenerationsExcept(rebuild.generation);
      await tx.updateRebuild(rebuildId, { state: "succeeded", cursorSeq: tail.cursor, eventsReplayed: total, eventsTotal: total, finished: true });
      const finishTime = timestampFromDate(new Date());
      await tx.publish([
        {
          topic: topicName("analytics", "rebuilds"),
          aggregateId: rebuildId,
          schema: AggregatesRebuiltSchema,
          message: create(AggregatesRebuiltSchema, { rebuildId, eventsReplayed: total, finishTime }),
        },
      ]);
      logger.info({ rebuildId, events: total.toString() }, "aggregates rebuilt");
    });
  }

  return {
    async start(): Promise<RebuildRecord> {
      const rebuildId = randomUUID();
      // The rebuild as its start committed it (RUNNING, nothing replayed): its job may run a step before a later read.
      return store.transaction(async (tx) => {
        const running = await tx.runningRebuild();
        if (running !== undefined) throw inProgress(running.rebuildId);
        const { lastSeq, count } = await tx.lockHistory();
        const generation = (await tx.liveGeneration()) + 1;
        // A failed rebuild may have left rows in that generation.
        await tx.clearGeneration(generation);
        if (!(await tx.insertRebuild({ rebuildId, generation, snapshotSeq: lastSeq, eventsTotal: count }))) throw inProgress((await tx.runningRebuild())?.rebuildId ?? "");
        await tx.scheduleRebuildStep(rebuildId);
        return (await tx.lockRebuild(rebuildId))!;
      });
    },
    async get(rebuildId: string): Promise<RebuildRecord> {
      const rebuild = await store.rebuild(rebuildId);
      if (rebuild === undefined) throw notFound(rebuildId);
      return rebuild;
    },
    /** The job handlers (Wired.jobs). */
    jobs: {
      async "analytics.rebuild-step"({ rebuildId }: RebuildJobs["analytics.rebuild-step"], job: JobRun) {
        try {
          await step(rebuildId);
        } catch (error) {
          if (job.attempt < limits.maxAttempts) throw error;
          const message = error instanceof Error ? error.message : String(error);
          logger.error({ rebuildId, err: error }, "rebuild failed; the aggregates it would replace stay");
          await store.transaction((tx) => tx.updateRebuild(rebuildId, { state: "failed", failureMessage: message, finished: true }));
        }
      },
    },
  };
}

function inProgress(rebuildId: string): DomainError {
  return new DomainError(ErrorReason.REBUILD_IN_PROGRESS, "a rebuild is running; poll GetRebuild until it ends", { rebuild_id: rebuildId });
}

export type Rebuilds = ReturnType<typeof createRebuilds>;
