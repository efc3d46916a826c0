/**
 * The audit log's cost: appends per second through the real path
 * (AppendAuditRecord on audit's internal face: mTLS gRPC, validation, the
 * partition head locked, the hash computed, the record inserted and the
 * head moved in one transaction; the chains sealed once a minute) next to a bare
 * PostgreSQL insert of the same rows into the same columns without any
 * chain, in one run, as a ratio; spread over the default 16 partitions and
 * with every append on one partition (one head row); and the chain's own
 * SQL and hashing from Node without the service, which splits the cost
 * between the chain and the service around it. Then verification
 * throughput: VerifyAuditChain inside the service, and clients/audit-verify
 * (Python) over a grpcurl-format export of the same records.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { AuditInternalService } from "@chaos/gen/chaos/audit/v1/audit_internal_service_pb.js";
import { ActorKind, ActorKindSchema, AuditRecordSchema, Outcome, OutcomeSchema } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { AuditService } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import type { InfraEndpoints } from "../scripts/infra/index.js";
import { repoRoot } from "../scripts/infra/config.js";
import { startStack } from "../scripts/test/stack.js";
import { createTestDatabase } from "../scripts/test/test-database.js";
import { reasonName } from "@chaos/mesh";
import type { AuditEntry, AuditRecord } from "../services/audit/core/audit-record.js";
import { genesisHash, recordHash } from "../services/audit/core/canonical-form.js";
import { canonicalTimeOfMs } from "../services/audit/core/canonical-time.js";
import { partitionOf } from "../services/audit/core/partition.js";
import { runClosedLoop, type ClosedLoopResult } from "./closed-loop.js";
import { postgresBackends, startCpuMeter, type CpuReading } from "./cpu-meter.js";

/** Sizes and durations; {@link defaultAuditPlan} is what `npm run bench` uses (about 40 s with the stack's start). */
export interface AuditPlan {
  /** Workers appending at once (the service's pool has 10 connections; so does the bare path). */
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

export const defaultAuditPlan: AuditPlan = { concurrency: 32, warmupSeconds: 1, seconds: 5 };

/** One append measurement. */
export interface AppendRow {
  readonly path: string;
  readonly partitions: string;
  readonly result: ClosedLoopResult;
  /** CPU per append by process group, and how busy the machine was meanwhile (other work on it shows here). */
  readonly cpu: CpuReading;
}

export interface AuditBenchResult {
  readonly plan: AuditPlan;
  readonly appends: readonly AppendRow[];
  /** Records verified per second: by the service (VerifyAuditChain) and by clients/audit-verify from an export. */
  readonly verify: { readonly records: number; readonly serviceSeconds: number; readonly pythonSeconds: number; readonly exportSeconds: number };
}

/** An entry as the service's core sees it, with canonical times. */
function coreEntry(worker: number): AuditEntry {
  const e = entry(worker, false);
  return { ...e, details: { ...e.details }, occurTime: canonicalTimeOfMs(Date.now()), source: "spiffe://chaos.world/ns/chaos/sa/operator" };
}

/** The row of a record, in insertRecord's order. */
function rowOf(record: AuditRecord): unknown[] {
  return [
    record.partition, record.sequence.toString(), record.recordId, record.occurTime, record.recordTime, reasonName(ActorKindSchema, record.actorKind), record.actorId, record.action,
    record.resource, reasonName(OutcomeSchema, record.outcome), record.sourceIp, record.userAgent, record.traceId, record.source, JSON.stringify(record.details), record.previousHash, record.hash,
  ];
}

// The bare paths write into the service's own table definition (same columns, keys and indexes).
const auditMigration = fs.readFileSync(path.join(repoRoot, "services", "audit", "migrations", "0001_audit.sql"), "utf8");
const insertRecord = `INSERT INTO audit_records (partition, sequence, record_id, occur_time, record_time, actor_kind, actor_id, action, resource, outcome,
  source_ip, user_agent, trace_id, source, details, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`;

/** A record like an admin's refund approval: the same for every path. */
function entry(worker: number, onePartition: boolean) {
  return {
    recordId: randomUUID(),
    actorKind: ActorKind.ADMIN,
    actorId: onePartition ? "admin-0" : `admin-${worker}`,
    action: "payment.refund.approve",
    resource: onePartition ? "order/0" : `order/${randomUUID()}`,
    outcome: Outcome.SUCCESS,
    sourceIp: "198.51.100.4",
    userAgent: "console/1.0",
    traceId: randomBytes(16).toString("hex"),
    details: { amount: "500", currency: "EUR" },
    occurTime: timestampFromMs(Date.now()),
  };
}

export async function runAuditBench(infra: InfraEndpoints, plan: AuditPlan = defaultAuditPlan): Promise<AuditBenchResult> {
  const stack = await startStack(infra, ["identity", "audit"], { env: { CHAOS_LOG_LEVEL: "warn" } });
  const bareName = `chaos_bench_audit_${randomBytes(4).toString("hex")}`;
  const bareDb = await createTestDatabase(infra.postgresAdminUrl, bareName);
  const bare = new pg.Pool({ connectionString: bareDb.url, max: 10 });
  try {
    await bare.query(auditMigration);
    const client = stack.operator.client(AuditInternalService, "audit");
    const measure = async (path: string, partitions: string, operation: (worker: number) => Promise<unknown>): Promise<AppendRow> => {
      await runClosedLoop({ concurrency: plan.concurrency, seconds: plan.warmupSeconds, operation: async (w) => void (await operation(w)) });
      // After the warm-up every pool is open, so the backends measured are the ones doing the work.
      const cpu = await startCpuMeter({
        audit: [stack.processes.get("audit")!.child.pid!],
        "bench client (Node)": [process.pid],
        postgres: await postgresBackends(infra.postgresAdminUrl, [`${stack.world}_audit`, bareName]),
      });
      const result = await runClosedLoop({ concurrency: plan.concurrency, seconds: plan.seconds, operation: async (w) => void (await operation(w)) });
      return { path, partitions, result, cpu: cpu.read(result.ok) };
    };
    let bareSequence = 0n;
    const bareInsert = (worker: number) => {
      const e = coreEntry(worker);
      const record: AuditRecord = { ...e, partition: "bare", sequence: (bareSequence += 1n), recordTime: canonicalTimeOfMs(Date.now()), previousHash: "", hash: "" };
      return bare.query({ name: "insert", text: insertRecord, values: rowOf(record) });
    };
    // The chain's own SQL and hashing, as the service's store does it, without the service around it.
    const bareChain = async (worker: number) => {
      const e = coreEntry(worker);
      const recordTime = canonicalTimeOfMs(Date.now());
      const partition = `chain-${partitionOf(e, recordTime, 16)}`;
      const connection = await bare.connect();
      try {
        await connection.query("BEGIN");
        const { rows } = await connection.query<{ sequence: string; hash: string }>({
          name: "lock-head",
          text: "INSERT INTO audit_chain_heads (partition, sequence, hash) VALUES ($1, 0, $2) ON CONFLICT (partition) DO UPDATE SET sequence = audit_chain_heads.sequence RETURNING sequence::text, hash",
          values: [partition, genesisHash],
        });
        const chained = { ...e, partition, sequence: BigInt(rows[0]!.sequence) + 1n, recordTime, previousHash: rows[0]!.hash };
        const record = { ...chained, hash: recordHash(chained) };
        await connection.query({ name: "insert", text: insertRecord, values: rowOf(record) });
        await connection.query({ name: "move-head", text: "UPDATE audit_chain_heads SET sequence = $2, hash = $3 WHERE partition = $1", values: [partition, record.sequence.toString(), record.hash] });
        await connection.query("COMMIT");
      } catch (error) {
        await connection.query("ROLLBACK");
        throw error;
      } finally {
        connection.release();
      }
    };
    const appends: AppendRow[] = [
      await measure("AppendAuditRecord: operator → audit (mTLS gRPC, validation, head row locked, SHA-256 chain, record inserted and head moved in one tx)", "16 (spread)", (w) => client.appendAuditRecord(entry(w, false))),
      await measure("AppendAuditRecord, every append on one partition", "1 (one head row)", (w) => client.appendAuditRecord(entry(w, true))),
      await measure("bare pg from Node, the chain's SQL and hash without the service (BEGIN; lock head; INSERT; move head; COMMIT)", "16 (spread)", bareChain),
      await measure("bare pg from Node: one INSERT of the same row into the same table, no chain", "-", bareInsert),
    ];

    const reader = stack.operator.client(AuditService, "audit");
    let started = performance.now();
    const verdict = await reader.verifyAuditChain({});
    const serviceSeconds = (performance.now() - started) / 1000;
    if (!verdict.intact) throw new Error(`the benchmark's chains do not verify: ${JSON.stringify(verdict.firstBreak)}`);

    // The export as grpcurl prints a stream's messages (protobuf JSON), written to a file, then the Python verifier over it.
    const file = path.join(os.tmpdir(), `chaos-audit-export-${randomBytes(4).toString("hex")}.json`);
    started = performance.now();
    const out = fs.createWriteStream(file);
    for await (const { record } of client.exportAuditRecords({})) out.write(`${JSON.stringify({ record: toJson(AuditRecordSchema, record!) })}\n`);
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const exportSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const python = spawnSync("python3", [path.join(repoRoot, "clients", "audit-verify", "verify.py"), file], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20 });
    const pythonSeconds = (performance.now() - started) / 1000;
    fs.rmSync(file, { force: true });
    if (python.status !== 0) throw new Error(`audit-verify failed: ${python.stderr || python.stdout.slice(-500)}`);
    return { plan, appends, verify: { records: Number(verdict.recordsChecked), serviceSeconds, pythonSeconds, exportSeconds } };
  } finally {
    await bare.end();
    await bareDb.drop();
    await stack.stop();
  }
}
