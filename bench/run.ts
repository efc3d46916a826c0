/**
 * npm run bench — benchmarks, each next to its baseline in the same run, on
 * this machine's real servers (started like the tests start them). Results go
 * to stdout and bench/RESULTS.md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureInfra, stopInfra } from "../scripts/infra/index.js";
import { repoRoot } from "../scripts/infra/config.js";
import { runEventsBench } from "./events-bench.js";

const { endpoints, started } = await ensureInfra();
try {
  const events = await runEventsBench(endpoints.kafkaBrokers, endpoints.postgresAdminUrl);
  const bare = events[0]!;
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmarks",
    "",
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), Node ${process.version}, by \`npm run bench\`.`,
    "",
    "## Event backbone (issue: outbox, exactly-once effects)",
    "",
    "| path | peak events/s | ratio to bare kafkajs | latency at half peak: rate | p50 | p99 |",
    "|---|---|---|---|---|---|",
    ...events.map((r) => `| ${r.name} | ${r.peakPerSecond.toFixed(0)} | ${(r.peakPerSecond / bare.peakPerSecond).toFixed(2)} | ${r.halfPeakRate}/s | ${r.p50Ms} ms | ${r.p99Ms} ms |`),
    "",
    "Targets: >= 10,000 events/s end to end; p99 delivery < 100 ms at half of peak.",
    "",
  ];
  fs.writeFileSync(path.join(repoRoot, "bench", "RESULTS.md"), lines.join("\n"));
  console.log(lines.join("\n"));
} finally {
  await stopInfra(started);
}
