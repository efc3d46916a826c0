import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../scripts/infra/config.js";
import { run } from "../scripts/infra/proc.js";
import type { LoadResult } from "./ghz.js";

/** One request of a chaos-loadgen plan: a cast with its player's token, or an echo payload. */
export type LoadRequest = { readonly caster: string; readonly target: string; readonly spell: string; readonly token: string } | { readonly payload: string };

/** A bounded load for chaos-loadgen (clients/go-interop/loadgen). */
export interface LoadPlan {
  readonly address: string;
  readonly method: "cast" | "echo";
  /** Used round-robin. */
  readonly requests: readonly LoadRequest[];
  readonly concurrency: number;
  readonly connections: number;
  readonly seconds: number;
  /** Calls per second; as fast as they return when absent. */
  readonly rate?: number;
}

/** Builds the Go load generator once per run; returns its path. */
export async function buildLoadgen(): Promise<string> {
  const output = path.join(repoRoot, ".chaos", "bin", "chaos-loadgen");
  await run("go", ["build", "-o", output, "./loadgen"], { cwd: path.join(repoRoot, "clients", "go-interop"), timeoutMs: 600_000 });
  return output;
}

/**
 * Runs a plan with the load generator pinned to CPU 1, like ghz in the mesh
 * benchmark. Only successful calls count toward throughput and latency.
 */
export function runLoadgen(loadgen: string, plan: LoadPlan): LoadResult {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-loadgen-"));
  const planFile = path.join(scratch, "plan.json");
  fs.writeFileSync(planFile, JSON.stringify({ ...plan, rate: plan.rate ?? 0 }));
  const result = spawnSync("taskset", ["-c", "1", loadgen, "-plan", planFile], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: (plan.seconds + 30) * 1000 });
  fs.rmSync(scratch, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`chaos-loadgen failed: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { count: number; ok: number; ok_per_second: number; p50_us: number; p99_us: number; statuses: Record<string, number> };
  return { count: report.ok, rps: report.ok_per_second, p50Us: report.p50_us, p99Us: report.p99_us, errors: report.count - report.ok, statusCodes: report.statuses };
}
