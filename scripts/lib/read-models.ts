import fs from "node:fs";
import path from "node:path";
import { AnalyticsService } from "@chaos/gen/chaos/analytics/v1/analytics_service_pb.js";
import { RebuildState } from "@chaos/gen/chaos/analytics/v1/metric_pb.js";
import { Board } from "@chaos/gen/chaos/progression/v1/progress_pb.js";
import { ProgressionService } from "@chaos/gen/chaos/progression/v1/progression_service_pb.js";
import type { MeshRuntime } from "@chaos/mesh";

/**
 * The read models a restore leaves behind the databases, and their rebuild.
 * A restore rewinds every database to the backup; what lives outside them
 * does not rewind: progression's leaderboards in Redis still rank the scores
 * reached after the backup, and analytics' aggregates count events whose
 * effects the restore undid (they are in its database, but were recorded
 * against history the other databases no longer have). Both are derived
 * data, rebuilt from their service's own history: the leaderboards by
 * RebuildLeaderboard, the aggregates by StartRebuild. `npm run restore`
 * marks them stale; `npm start` rebuilds them, as the operator, once the
 * services serve.
 */

/** What one rebuild did. */
export interface ReadModelRebuild {
  readonly service: string;
  readonly readModel: string;
  /** Entries (leaderboard ranks) or events replayed (analytics). */
  readonly count: number;
  readonly seconds: number;
}

/** The marker a restore leaves for the next start. */
export const staleReadModelsFile = (dataDir: string) => path.join(dataDir, "read-models-stale.json");

/** Notes that the read models of `services` are stale (a restore replaced their databases). */
export function markReadModelsStale(dataDir: string, services: readonly string[], restoredFrom: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(staleReadModelsFile(dataDir), JSON.stringify({ services, restoredFrom, restoredAt: new Date().toISOString() }, null, 2));
}

/** The services whose read models a restore left stale, or none. */
export function staleReadModels(dataDir: string): string[] {
  try {
    return (JSON.parse(fs.readFileSync(staleReadModelsFile(dataDir), "utf8")) as { services: string[] }).services;
  } catch {
    return [];
  }
}

/** How long an analytics rebuild may take before the caller stops waiting (it goes on in the background). */
const analyticsRebuildWaitMs = 120_000;

/**
 * Rebuilds the read models of those of `services` that have any
 * (progression's three leaderboards, analytics' aggregates), calling as the
 * operator `runtime`. Throws when one fails; the others are not attempted then.
 */
export async function rebuildReadModels(runtime: MeshRuntime, services: readonly string[]): Promise<ReadModelRebuild[]> {
  const done: ReadModelRebuild[] = [];
  if (services.includes("progression")) {
    const progression = runtime.client(ProgressionService, "progression");
    for (const board of [Board.LEVEL, Board.DEFEATS, Board.ACHIEVEMENT_POINTS]) {
      const began = Date.now();
      const report = await progression.rebuildLeaderboard({ board });
      done.push({ service: "progression", readModel: `leaderboard ${Board[board]!.toLowerCase()}`, count: Number(report.entries), seconds: (Date.now() - began) / 1000 });
    }
  }
  if (services.includes("analytics")) {
    const analytics = runtime.client(AnalyticsService, "analytics");
    const began = Date.now();
    const { rebuild } = await analytics.startRebuild({});
    let current = rebuild!;
    while (current.state === RebuildState.RUNNING) {
      if (Date.now() - began > analyticsRebuildWaitMs) throw new Error(`analytics' rebuild ${current.rebuildId} still runs after ${analyticsRebuildWaitMs / 1000} s (it goes on; GetRebuild follows it)`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      current = (await analytics.getRebuild({ rebuildId: current.rebuildId })).rebuild!;
    }
    if (current.state !== RebuildState.SUCCEEDED) throw new Error(`analytics' rebuild failed: ${current.failureMessage}`);
    done.push({ service: "analytics", readModel: "aggregates", count: Number(current.eventsReplayed), seconds: (Date.now() - began) / 1000 });
  }
  return done;
}
