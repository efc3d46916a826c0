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
import { runMeshBench } from "./mesh-bench.js";
import { runFireballBench, type FireballBenchRow } from "./fireball-bench.js";

// `npm run bench -- fireball` runs only the named benchmarks and prints them;
// a full run (no names) also rewrites bench/RESULTS.md.
const known = ["mesh", "events", "fireball"] as const;
const asked = process.argv.slice(2);
for (const name of asked) if (!(known as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}" (known: ${known.join(", ")})`);
const wants = (name: (typeof known)[number]) => asked.length === 0 || asked.includes(name);

const mesh = wants("mesh") ? await runMeshBench() : undefined;
const { endpoints, started } = await ensureInfra();
try {
  const events = wants("events") ? await runEventsBench(endpoints.kafkaBrokers, endpoints.postgresAdminUrl) : undefined;
  const fireball = wants("fireball") ? await runFireballBench(endpoints) : undefined;
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmarks",
    "",
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), Node ${process.version}, by \`npm run bench\`.`,
    "",
    ...(mesh === undefined ? [] : meshTable(mesh)),
    ...(events === undefined ? [] : eventsTable(events)),
    ...(fireball === undefined ? [] : fireballTable(fireball)),
  ];
  if (asked.length === 0) fs.writeFileSync(path.join(repoRoot, "bench", "RESULTS.md"), lines.join("\n"));
  console.log(lines.join("\n"));
} finally {
  await stopInfra(started);
}

function eventsTable(events: Awaited<ReturnType<typeof runEventsBench>>): string[] {
  const bare = events[0]!;
  return [
    "## Event backbone (issue: outbox, exactly-once effects)",
    "",
    "| path | peak events/s | ratio to bare kafkajs | latency at half peak: rate | p50 | p99 |",
    "|---|---|---|---|---|---|",
    ...events.map((r) => `| ${r.name} | ${r.peakPerSecond.toFixed(0)} | ${(r.peakPerSecond / bare.peakPerSecond).toFixed(2)} | ${r.halfPeakRate}/s | ${r.p50Ms} ms | ${r.p99Ms} ms |`),
    "",
    "Targets: >= 10,000 events/s end to end; p99 delivery < 100 ms at half of peak.",
    "",
  ];
}

function fireballTable(rows: readonly FireballBenchRow[]): string[] {
  const bare = rows.find((r) => r.path.startsWith("bare"));
  const flow = rows.find((r) => r.path.startsWith("CastSpell"));
  const ms = (us: number) => (us / 1000).toFixed(2);
  const lines = [
    "## Player Action Flow (issue: first playable slice): CastSpell(fireball) over gRPC",
    "",
    "| path | peak ok/s | vs bare hops | at half peak: rate | p50 ms | p99 ms | p99 vs bare hops | statuses at peak |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.path} | ${r.peak.rps.toFixed(0)} | ${bare === undefined ? "-" : (r.peak.rps / bare.peak.rps).toFixed(3)} | ${r.halfPeakRate}/s | ${ms(r.halfPeak.p50Us)} | ${ms(r.halfPeak.p99Us)} | ${bare === undefined ? "-" : (r.halfPeak.p99Us / bare.halfPeak.p99Us).toFixed(1)}x | ${Object.entries(r.peak.statusCodes).map(([k, v]) => `${k} ${v}`).join(", ")} |`),
    "",
  ];
  for (const r of rows) lines.push(`- CPU per successful call at peak, ${r.path.split(":")[0]}: ${Object.entries(r.cpuUsPerCall).map(([name, us]) => `${name} ${us.toFixed(0)} µs`).join(", ")}.`);
  lines.push("");
  if (flow !== undefined) lines.push(`Target: p99 < 10 ms at half of peak: ${flow.halfPeak.p99Us < 10_000 ? "met" : "not met"} (${ms(flow.halfPeak.p99Us)} ms at ${flow.halfPeakRate}/s).`, "");
  return lines;
}

function meshTable(rows: Awaited<ReturnType<typeof runMeshBench>>): string[] {
  const peakOf = (server: string, payload: string) => rows.find((r) => r.server.startsWith(server) && r.payload === payload)?.peak.rps ?? NaN;
  const serialOf = (server: string, payload: string) => rows.find((r) => r.server.startsWith(server) && r.payload === payload)?.serial.p50Us ?? NaN;
  const lines = [
    "## Mesh runtime: unary echo, server on CPU 0, ghz on CPU 1",
    "",
    "| server | payload | peak rps | vs bare grpc-js | vs raw http2 | serial p50 µs | serial p99 µs | CPU µs/call |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.server} | ${r.payload} | ${r.peak.rps.toFixed(0)} | ${(r.peak.rps / peakOf("bare grpc-js", r.payload)).toFixed(2)} | ${(r.peak.rps / peakOf("raw node:http2", r.payload)).toFixed(2)} | ${r.serial.p50Us.toFixed(0)} | ${r.serial.p99Us.toFixed(0)} | ${r.cpuUsPerCall.toFixed(0)} |`),
    "",
    "Targets:",
  ];
  for (const payload of ["tiny (9 B)", "300 B"]) {
    const internal = peakOf("mesh internal", payload);
    const edge = peakOf("mesh edge", payload);
    const check = (ok: boolean) => (ok ? "met" : "not met");
    lines.push(
      `- ${payload}: internal face ${(internal / peakOf("bare grpc-js", payload)).toFixed(2)}x bare grpc-js (target >= 0.9: ${check(internal >= 0.9 * peakOf("bare grpc-js", payload))}), ${(internal / peakOf("raw node:http2", payload)).toFixed(2)}x raw http2 (target >= 0.5: ${check(internal >= 0.5 * peakOf("raw node:http2", payload))}); edge face ${(edge / peakOf("bare connect-node", payload)).toFixed(2)}x bare connect-node (target >= 0.9: ${check(edge >= 0.9 * peakOf("bare connect-node", payload))}); full chain adds ${(serialOf("mesh internal", payload) - serialOf("bare grpc-js", payload)).toFixed(0)} µs at serial p50 over bare grpc-js (target <= 50: ${check(serialOf("mesh internal", payload) - serialOf("bare grpc-js", payload) <= 50)}).`,
    );
  }
  lines.push("");
  return lines;
}
