/**
 * A rollout of a new release of one service over its replicas, one process at
 * a time, with automatic rollback: the first replica is the canary. Each
 * replaced process must report ready, then stay ready for a bake period (a
 * Deployment's minReadySeconds, so the callers' channels are back on it before
 * the next one goes) while the calls it served are judged: too many server
 * faults among them — the codes the error-budget alerts count — or a readiness
 * probe that fails, and every process already on the new release goes back to
 * the previous one. The callers see a rollout as a rolling restart: the other
 * replicas serve while one is replaced, and a call a failing canary refused
 * with UNAVAILABLE is retried on another replica by the mesh's retry policy.
 *
 * The steps that replace processes belong to whoever runs them (`npm start`,
 * the test stacks); this module decides.
 */

/** Which release a process is started on. */
export type Release = "next" | "previous";

/** How a rollout reaches the processes of the service it rolls out. */
export interface RolloutTarget {
  /** The service's processes, in the order they are replaced ("combat", "combat#2", …). */
  readonly labels: readonly string[];
  /**
   * Stops the process (SIGTERM: it drains) and starts it on `release`;
   * resolves once the new process reported ready, rejects when it did not
   * (it exited, or timed out): the process is then down.
   */
  replace(label: string, release: Release): Promise<void>;
  /** The admin port of the process running now under `label` (its /readyz and /metrics). */
  adminPort(label: string): number;
}

/** Options of {@link rollout}; every field has a documented default. */
export interface RolloutOptions {
  /** How long each replaced process must stay ready, its calls judged, before the next one goes. Default 5 s. */
  readonly bakeMs?: number;
  /** How often readiness is probed during the bake. Default 250 ms. */
  readonly probeEveryMs?: number;
  /** The largest share of server faults among the calls a new process served in its bake. Default 0.05. */
  readonly maxFaultRatio?: number;
  /** Fewer calls than this in a bake are too few to judge by: the process is judged by its readiness alone. Default 10. */
  readonly minCallsToJudge?: number;
  /** Progress lines. Default none. */
  readonly log?: (line: string) => void;
}

/** What happened to one process in a rollout. */
export interface RolloutStep {
  readonly label: string;
  readonly release: Release;
  /** From the stop of the old process to the new one's ready line. */
  readonly startSeconds: number;
  /** Calls the new process served in its bake, and how many of them were server faults (undefined for a rollback step, which is not judged). */
  readonly calls?: number;
  readonly faults?: number;
  /** Why this step failed the rollout, if it did. */
  readonly failure?: string;
}

/** The outcome of a rollout. */
export interface RolloutResult {
  readonly outcome: "rolled out" | "rolled back";
  /** Why the rollout was rolled back. */
  readonly reason?: string;
  readonly steps: readonly RolloutStep[];
  readonly seconds: number;
}

/**
 * The gRPC codes that count as the server's fault: the same set the
 * error-budget alerts of observability/prometheus/alerts.yml count (a test
 * holds the two together). Refusals a client earned (INVALID_ARGUMENT,
 * FAILED_PRECONDITION, …) are not a release's fault.
 */
export const serverFaultCodes: readonly string[] = ["Internal", "Unknown", "DataLoss", "Unavailable"];

/** Rolls `target` over to the next release, canary first; rolls back what it replaced when a step fails. */
export async function rollout(target: RolloutTarget, options: RolloutOptions = {}): Promise<RolloutResult> {
  const bakeMs = options.bakeMs ?? 5_000;
  const probeEveryMs = options.probeEveryMs ?? 250;
  const maxFaultRatio = options.maxFaultRatio ?? 0.05;
  const minCallsToJudge = options.minCallsToJudge ?? 10;
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const steps: RolloutStep[] = [];
  const replaced: string[] = [];

  for (const [index, label] of target.labels.entries()) {
    const role = index === 0 ? "canary" : "replica";
    log(`${label}: replacing (${role}) with the next release`);
    replaced.push(label);
    const startedAt = Date.now();
    const started = await target.replace(label, "next").then(
      () => undefined,
      (error: unknown) => (error as Error).message,
    );
    const startSeconds = seconds(Date.now() - startedAt);
    if (started !== undefined) {
      const failure = `${label} did not start on the next release: ${startFailure(started)}`;
      steps.push({ label, release: "next", startSeconds, failure });
      return rollBack(failure);
    }
    const failing = (calls: number, faults: number) => calls >= minCallsToJudge && faults / calls > maxFaultRatio;
    const judged = await bake(target.adminPort(label), bakeMs, probeEveryMs, failing);
    const failure =
      judged.unready !== undefined
        ? `${label} stopped being ready ${seconds(judged.unready)} s after it started (${role}, next release)`
        : failing(judged.calls, judged.faults)
          ? `${label} failed ${judged.faults} of the ${judged.calls} calls it served in its first ${seconds(judged.afterMs)} s (${percent(judged.faults / judged.calls)} server faults, more than ${percent(maxFaultRatio)}; ${role}, next release)`
          : undefined;
    steps.push({ label, release: "next", startSeconds, calls: judged.calls, faults: judged.faults, failure });
    if (failure !== undefined) return rollBack(failure);
    log(`${label}: on the next release, ready for ${seconds(bakeMs)} s, ${judged.faults} server faults in ${judged.calls} calls${judged.calls < minCallsToJudge ? " (too few to judge by)" : ""}`);
  }
  log(`rolled out over ${target.labels.length} process${target.labels.length === 1 ? "" : "es"} in ${seconds(Date.now() - began)} s`);
  return { outcome: "rolled out", steps, seconds: seconds(Date.now() - began) };

  /** Puts every process this rollout replaced back on the previous release, the last replaced first. */
  async function rollBack(reason: string): Promise<RolloutResult> {
    log(`rolling back: ${reason}`);
    for (const label of [...replaced].reverse()) {
      const startedAt = Date.now();
      // A previous release that does not start again is beyond what a rollback can mend: said, and the rest still go back.
      const failure = await target.replace(label, "previous").then(
        () => undefined,
        (error: unknown) => `${label} did not start on the previous release either: ${startFailure((error as Error).message)}`,
      );
      steps.push({ label, release: "previous", startSeconds: seconds(Date.now() - startedAt), failure });
      log(failure ?? `${label}: back on the previous release`);
    }
    return { outcome: "rolled back", reason, steps, seconds: seconds(Date.now() - began) };
  }
}

/**
 * Watches a new process for `bakeMs`: readiness and the calls it served, probed throughout. It ends early
 * once the process is failing, so a bad canary's share of the calls fails for as short a time as the
 * evidence allows, not for the whole bake.
 */
async function bake(adminPort: number, bakeMs: number, probeEveryMs: number, failing: (calls: number, faults: number) => boolean): Promise<{ calls: number; faults: number; unready?: number; afterMs: number }> {
  const from = Date.now();
  for (;;) {
    if (!(await isReady(adminPort))) return { ...(await callsServed(adminPort).catch(() => ({ calls: 0, faults: 0 }))), unready: Date.now() - from, afterMs: Date.now() - from };
    const served = await callsServed(adminPort);
    if (failing(served.calls, served.faults) || Date.now() - from >= bakeMs) return { ...served, afterMs: Date.now() - from };
    await new Promise((resolve) => setTimeout(resolve, probeEveryMs));
  }
}

async function isReady(adminPort: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${adminPort}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Every call the process served since it started (its own counters: a new process starts from zero), and the server faults among them. */
async function callsServed(adminPort: number): Promise<{ calls: number; faults: number }> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  let calls = 0;
  let faults = 0;
  for (const [, labels, value] of text.matchAll(/^chaos_server_calls_total\{([^}]*)\} (\S+)$/gm)) {
    const count = Number(value);
    calls += count;
    const code = /code="([^"]*)"/.exec(labels!)?.[1];
    if (code !== undefined && serverFaultCodes.includes(code)) faults += count;
  }
  return { calls, faults };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`;
/**
 * A failed start's message in one line: its first line, and where the process said why: the error an
 * uncaught exception printed ("Error: …"), else its last log line's message, else its last line.
 */
function startFailure(text: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length <= 1) return lines[0] ?? "";
  const thrown = lines.findLast((line) => /^\w*(Error|Exception)\b[^:]*: /.test(line));
  const last = lines.at(-1)!;
  let said = thrown ?? last;
  if (thrown === undefined) {
    try {
      const parsed = JSON.parse(last) as { msg?: unknown; err?: { message?: unknown } };
      said = [parsed.msg, parsed.err?.message].filter((part) => typeof part === "string" && part !== "").join(": ") || last;
    } catch {
      // not a JSON log line: as printed
    }
  }
  return `${lines[0]} ${said.slice(0, 300)}`;
}
