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
import type { CpuReading } from "./cpu-meter.js";
import { runEconomyBench, type EconomyBenchResult } from "./economy-bench.js";
import { runChatFanoutBench, type ChatFanoutResult } from "./chat-fanout.js";
import { runAuditBench, type AuditBenchResult } from "./audit-appends.js";
import { matchmakingTable, runMatchmakingBench } from "./matchmaking.js";
import { anticheatTable, runAnticheatBench } from "./anticheat.js";
import { paymentTable, runPaymentBench } from "./payment.js";

// `npm run bench -- fireball` runs only the named benchmarks and prints them;
// a full run (no names) also rewrites bench/RESULTS.md.
const known = ["mesh", "events", "fireball", "economy", "chat", "audit", "matchmaking", "anticheat", "payment"] as const;
const asked = process.argv.slice(2);
for (const name of asked) if (!(known as readonly string[]).includes(name)) throw new Error(`unknown benchmark "${name}" (known: ${known.join(", ")})`);
const wants = (name: (typeof known)[number]) => asked.length === 0 || asked.includes(name);

const mesh = wants("mesh") ? await runMeshBench() : undefined;
const { endpoints, started } = await ensureInfra();
try {
  const events = wants("events") ? await runEventsBench(endpoints.kafka, endpoints.postgresAdminUrl) : undefined;
  const fireball = wants("fireball") ? await runFireballBench(endpoints) : undefined;
  const economy = wants("economy") ? await runEconomyBench(endpoints) : undefined;
  const chat = wants("chat") ? await runChatFanoutBench(endpoints) : undefined;
  const audit = wants("audit") ? await runAuditBench(endpoints) : undefined;
  const matchmaking = wants("matchmaking") ? await runMatchmakingBench(endpoints) : undefined;
  const anticheat = wants("anticheat") ? await runAnticheatBench(endpoints) : undefined;
  const payment = wants("payment") ? await runPaymentBench(endpoints) : undefined;
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmarks",
    "",
    `Run ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${cpu}), Node ${process.version}, by \`npm run bench\`.`,
    "",
    ...(mesh === undefined ? [] : meshTable(mesh)),
    ...(events === undefined ? [] : eventsTable(events)),
    ...(fireball === undefined ? [] : fireballTable(fireball)),
    ...(economy === undefined ? [] : economyTable(economy)),
    ...(chat === undefined ? [] : chatTable(chat)),
    ...(audit === undefined ? [] : auditTable(audit)),
    ...(matchmaking === undefined ? [] : matchmakingTable(matchmaking)),
    ...(anticheat === undefined ? [] : anticheatTable(anticheat)),
    ...(payment === undefined ? [] : paymentTable(payment)),
  ];
  if (asked.length === 0) fs.writeFileSync(path.join(repoRoot, "bench", "RESULTS.md"), lines.join("\n"));
  console.log(lines.join("\n"));
} finally {
  await stopInfra(started);
}

function auditTable(audit: AuditBenchResult): string[] {
  const bare = audit.appends.find((r) => r.partitions === "-");
  const { records, serviceSeconds, pythonSeconds, exportSeconds } = audit.verify;
  return [
    "## Audit log (issue 12): appends with the hash chain, next to a bare insert; verification",
    "",
    `${audit.plan.concurrency} concurrent clients for ${audit.plan.seconds} s each (after ${audit.plan.warmupSeconds} s unmeasured), all driven from the bench's Node process; the service's pool and the bare path's each have 10 connections.`,
    "",
    "| path | partitions | appends/s | p50 ms | p99 ms | vs bare insert | outcomes |",
    "|---|---|---|---|---|---|---|",
    ...audit.appends.map((r) =>
      `| ${r.path} | ${r.partitions} | ${r.result.okPerSecond.toFixed(0)} | ${r.result.p50Ms.toFixed(1)} | ${r.result.p99Ms.toFixed(1)} | ${bare === undefined ? "-" : (r.result.okPerSecond / bare.result.okPerSecond).toFixed(3)} | ${Object.entries(r.result.outcomes).map(([k, v]) => `${k} ${v}`).join(", ")} |`),
    "",
    ...audit.appends.map((r) =>
      `- CPU per append, ${r.path.split(":")[0]}${r.partitions.startsWith("1 ") ? " (one partition)" : ""}: ${Object.entries(r.cpu.perOperationUs).map(([name, us]) => `${name} ${us.toFixed(0)} µs`).join(", ")} (machine busy ${r.cpu.machineBusyCores.toFixed(2)} of ${os.cpus().length} cores, ${(r.cpu.machineBusyCores - r.cpu.measuredCores).toFixed(2)} outside these processes).`),
    "",
    `Verification of the ${records} records appended: VerifyAuditChain in the service ${(records / serviceSeconds).toFixed(0)} records/s (${serviceSeconds.toFixed(2)} s); clients/audit-verify (Python) over an export ${(records / pythonSeconds).toFixed(0)} records/s (${pythonSeconds.toFixed(2)} s; the export itself, ExportAuditRecords to a JSON-lines file, ${(records / exportSeconds).toFixed(0)} records/s).`,
    "",
  ];
}

function chatTable(chat: ChatFanoutResult): string[] {
  const bareOf = (mode: string) => chat.rows.find((r) => r.path.startsWith("bare") && r.mode === mode);
  const lines = [
    "## Chat fan-out (issue 12): one zone channel, 1,000 live subscribers, through the gateway, next to bare Redis pub/sub",
    "",
    `${chat.plan.subscribers} StreamMessages subscribers on ${chat.plan.connections} HTTP/2 connections to the gateway; flat out: ${chat.plan.writers} writers for ${chat.plan.flatOutSeconds} s; paced: one writer at half the flat-out rate for ${chat.plan.pacedSeconds} s. Latency: post sent → each subscriber's receipt. Bare payload: chat's own notice, ${chat.payloadBytes} bytes.`,
    "",
    "| path | mode | posts/s | deliveries/s | p50 ms | p99 ms | deliveries/s vs bare | p99 vs bare | missing |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of chat.rows) {
    const bare = bareOf(r.mode);
    const ratio = bare === undefined ? "-" : (r.deliveriesPerSecond / bare.deliveriesPerSecond).toFixed(3);
    const p99 = bare === undefined ? "-" : `${(r.p99Ms / bare.p99Ms).toFixed(1)}x`;
    lines.push(`| ${r.path} | ${r.mode} | ${r.postsPerSecond.toFixed(0)} | ${r.deliveriesPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${ratio} | ${p99} | ${r.missing} |`);
  }
  lines.push("");
  for (const r of chat.rows.filter((row) => row.mode === "flat out")) {
    const per = Object.entries(r.cpu.perOperationUs).filter(([, us]) => us > 0).map(([name, us]) => `${name} ${us.toFixed(0)} µs`).join(", ");
    lines.push(`- CPU per delivery, flat out, ${r.path.split(" → ")[0]}${r.path.includes("internal face") ? " (internal face)" : ""}: ${per} (machine busy ${r.cpu.machineBusyCores.toFixed(2)} of ${os.cpus().length} cores, ${(r.cpu.machineBusyCores - r.cpu.measuredCores).toFixed(2)} outside these processes).`);
  }
  lines.push("", `All subscribers, writers and the bare Redis clients run in the bench's Node process, on the same 2 cores as the services, PostgreSQL, Redis and Kafka (load average ${os.loadavg()[0]!.toFixed(1)} at the end of the run).`, "");
  return lines;
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
  const traced = rows.find((r) => r.path.includes("Jaeger"));
  const nodeCpu = (r: FireballBenchRow) => Object.values(r.cpuUsPerCall).reduce((a, b) => a + b, 0);
  if (flow !== undefined && traced !== undefined) {
    lines.push(
      `Tracing's price (every span recorded and exported to Jaeger, as under npm start, against the same flow with tracing off, as in the tests): peak ${(traced.peak.rps / flow.peak.rps).toFixed(2)}x, p99 at half peak ${(traced.halfPeak.p99Us / flow.halfPeak.p99Us).toFixed(2)}x, Node CPU per cast ${(nodeCpu(traced) / nodeCpu(flow)).toFixed(2)}x (${nodeCpu(flow).toFixed(0)} → ${nodeCpu(traced).toFixed(0)} µs).`,
      "",
    );
  }
  return lines;
}

function economyTable(economy: EconomyBenchResult): string[] {
  const { plan } = economy;
  const row = (path: string, distribution: string) => economy.transfers.find((r) => r.path === path && r.distribution === distribution);
  const ms = (value: number) => value.toFixed(1);
  const outcomes = (counts: Readonly<Record<string, number>>) => Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ");
  const cpu = ({ perOperationUs, machineBusyCores, measuredCores }: CpuReading) =>
    `${Object.entries(perOperationUs).map(([name, v]) => `${name} ${v.toFixed(0)} µs`).join(", ")} (machine busy ${machineBusyCores.toFixed(2)} of ${os.cpus().length} cores, ${(machineBusyCores - measuredCores).toFixed(2)} outside these processes)`;
  const drawn = { zipf: `Zipf α = ${plan.alpha} (contended)`, uniform: "uniform (uncontended)" } as const;
  const lines = [
    "## Economy (issue: contended transfers, SpacetimeDB's workload): gold transfers, trades end to end",
    "",
    `Transfers: ${plan.transfers.concurrency} concurrent clients for ${plan.transfers.seconds} s (after ${plan.warmupSeconds} s unmeasured), ${economy.accounts} accounts (characters), sender ≠ receiver drawn from the distribution, ${plan.transfers.amount} gold each; all clients driven from the bench's Node process.`,
    "",
    "| path | accounts drawn | TPS | p50 ms | p99 ms | TPS product / bare | p99 product / bare | sessions waiting for a row lock (avg) | outcomes |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const distribution of ["zipf", "uniform"] as const) {
    const bare = row("bare", distribution);
    for (const r of [row("product", distribution), bare]) {
      if (r === undefined) continue;
      const ratio = bare === undefined ? "-" : (r.result.okPerSecond / bare.result.okPerSecond).toFixed(3);
      const p99Ratio = bare === undefined ? "-" : `${(r.result.p99Ms / bare.result.p99Ms).toFixed(1)}x`;
      lines.push(`| ${r.description} | ${drawn[distribution]} | ${r.result.okPerSecond.toFixed(0)} | ${ms(r.result.p50Ms)} | ${ms(r.result.p99Ms)} | ${ratio} | ${p99Ratio} | ${r.lockWaiters.toFixed(1)} | ${outcomes(r.result.outcomes)} |`);
    }
  }
  const { trades } = economy;
  lines.push(
    "",
    `Trades: ${plan.tradingPairs} pairs of characters (different players), each one trade at a time for ${plan.trades.seconds} s (after ${plan.warmupSeconds} s unmeasured): ProposeTrade ${plan.trades.gold} gold for ${plan.trades.gold} gold, AcceptTrade by the counterparty, GetTrade until SETTLED when AcceptTrade answered before the saga ended.`,
    "",
    "| path | trades settled/s | accept → settled p50 ms | p99 ms | sessions waiting for a row lock (avg) | outcomes |",
    "|---|---|---|---|---|---|",
    `| ProposeTrade + AcceptTrade: client → gateway → trading (escrow saga) → inventory holds ×2, transfers ×2 | ${trades.result.okPerSecond.toFixed(1)} | ${ms(trades.result.p50Ms)} | ${ms(trades.result.p99Ms)} | ${trades.lockWaiters.toFixed(1)} | ${outcomes(trades.result.outcomes)} |`,
    "",
  );
  for (const r of economy.transfers) lines.push(`- CPU per successful transfer, ${r.path}, ${r.distribution}: ${cpu(r.cpu)}.`);
  lines.push(`- CPU per settled trade: ${cpu(trades.cpu)}.`);
  lines.push(
    `- The stack ran with ${Object.entries(economy.stackEnv).map(([k, v]) => `${k}=${v}`).join(", ")}: no rate limit or open-trade limit is reached, and every character starts with the gold the bare table's accounts start with.`,
    "- SpacetimeDB's published figures for Postgres + Node (a large desktop): about 1,100 TPS contended, 9,400 uncontended; this machine has 2 cores shared by the client, the services, PostgreSQL, Redis and Kafka.",
    "",
  );
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
