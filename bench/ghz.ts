import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../scripts/infra/config.js";
import { run } from "../scripts/infra/proc.js";

/** ghz, the gRPC load generator, installed once with `go install` into .chaos/bin. */
const ghzModule = "github.com/bojand/ghz/cmd/ghz@v0.120.0";
const bin = path.join(repoRoot, ".chaos", "bin");

/** Path of ghz, installing it on first use. */
export async function ensureGhz(): Promise<string> {
  const ghz = path.join(bin, "ghz");
  const marker = path.join(bin, ".ghz-version");
  if (fs.existsSync(ghz) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === ghzModule) return ghz;
  console.log(`[bench] installing ${ghzModule}`);
  await run("go", ["install", ghzModule], { env: { ...process.env, GOBIN: bin }, timeoutMs: 600_000 });
  fs.writeFileSync(marker, ghzModule);
  return ghz;
}

/** What one ghz run measured. */
export interface LoadResult {
  /** Successful calls. */
  readonly count: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
  /** Calls per status code name, e.g. { OK: 990, FailedPrecondition: 10 }. */
  readonly statusCodes: Readonly<Record<string, number>>;
}

/** TLS material for ghz when the target requires mTLS. */
export interface ClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** One ghz load: any unary method and its request data (an array is used round-robin). */
export interface GhzLoad {
  readonly address: string;
  /** "package.Service/Method". */
  readonly call: string;
  readonly protoset: string;
  readonly data: unknown;
  readonly concurrency: number;
  readonly connections: number;
  readonly seconds: number;
  /** Requests per second; unthrottled when absent. */
  readonly rate?: number;
  readonly tls?: ClientTls;
}

/**
 * Runs ghz pinned to CPU 1 (servers that can be pinned run on CPU 0), so
 * load generation does not steal the servers' core. Data goes through a
 * file: many request items do not fit a command line.
 */
export function runGhzLoad(ghz: string, load: GhzLoad): LoadResult {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-ghz-"));
  const dataFile = path.join(scratch, "data.json");
  fs.writeFileSync(dataFile, JSON.stringify(load.data));
  const args = [
    "-c", "1", ghz,
    "--protoset", load.protoset,
    "--call", load.call,
    "-D", dataFile,
    "-c", String(load.concurrency),
    "--connections", String(load.connections),
    "-z", `${load.seconds}s`,
    "--timeout", "10s",
    "--format", "json",
    ...(load.rate === undefined ? [] : ["--rps", String(Math.max(1, Math.round(load.rate)))]),
    ...(load.tls === undefined ? ["--insecure"] : ["--cacert", load.tls.ca, "--cert", load.tls.cert, "--key", load.tls.key, "--cname", "localhost"]),
  ];
  args.push(load.address);
  const result = spawnSync("taskset", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: (load.seconds + 30) * 1000 });
  fs.rmSync(scratch, { recursive: true, force: true });
  if (result.status !== 0 && result.stdout === "") throw new Error(`ghz failed: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as {
    count: number;
    rps: number;
    latencyDistribution: Array<{ percentage: number; latency: number }> | null;
    statusCodeDistribution?: Record<string, number>;
  };
  const at = (p: number) => (report.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? NaN) / 1000;
  const ok = report.statusCodeDistribution?.OK ?? 0;
  // Only successful calls count toward throughput: a failing server must not look fast.
  return { count: ok, rps: report.count === 0 ? 0 : (report.rps * ok) / report.count, p50Us: at(50), p99Us: at(99), errors: report.count - ok, statusCodes: report.statusCodeDistribution ?? {} };
}

/** The echo load of the mesh benchmark. */
export function runGhz(ghz: string, options: { port: number; protoset: string; payloadBase64: string; concurrency: number; connections: number; seconds: number; tls?: ClientTls }): LoadResult {
  return runGhzLoad(ghz, {
    address: `127.0.0.1:${options.port}`,
    call: "chaos.echo.v1.EchoService/Echo",
    protoset: options.protoset,
    data: { payload: options.payloadBase64 },
    concurrency: options.concurrency,
    connections: options.connections,
    seconds: options.seconds,
    tls: options.tls,
  });
}
