import { spawnSync } from "node:child_process";
import fs from "node:fs";
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
}

/** TLS material for ghz when the target requires mTLS. */
export interface ClientTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Runs ghz pinned to CPU 1 (the servers run on CPU 0), so load generation
 * does not steal the server's core.
 */
export function runGhz(ghz: string, options: { port: number; protoset: string; payloadBase64: string; concurrency: number; connections: number; seconds: number; tls?: ClientTls }): LoadResult {
  const args = [
    "-c", "1", ghz,
    "--protoset", options.protoset,
    "--call", "chaos.echo.v1.EchoService/Echo",
    "-d", JSON.stringify({ payload: options.payloadBase64 }),
    "-c", String(options.concurrency),
    "--connections", String(options.connections),
    "-z", `${options.seconds}s`,
    "--timeout", "10s",
    "--format", "json",
    ...(options.tls === undefined ? ["--insecure"] : ["--cacert", options.tls.ca, "--cert", options.tls.cert, "--key", options.tls.key, "--cname", "localhost"]),
    `127.0.0.1:${options.port}`,
  ];
  const result = spawnSync("taskset", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: (options.seconds + 30) * 1000 });
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
  return { count: ok, rps: report.count === 0 ? 0 : (report.rps * ok) / report.count, p50Us: at(50), p99Us: at(99), errors: report.count - ok };
}
