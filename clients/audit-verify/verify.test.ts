import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { AuditInternalService } from "@chaos/gen/chaos/audit/v1/audit_internal_service_pb.js";
import { ActorKind, AuditRecordSchema, Outcome, type AuditRecord } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { AuditChainSealedSchema, file_chaos_audit_v1_events, type AuditChainSealed } from "@chaos/gen/chaos/audit/v1/events_pb.js";
import { topicName } from "@chaos/mesh";
import { AuditService } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import { ensureGoClientTools } from "../../scripts/contracts/toolchain.js";
import { useStack } from "../../scripts/test/stack.js";
import { readTopicUntil, type TopicEvent } from "../../scripts/test/topic-events.js";

// Anyone holding an export can check the chains without the service's code:
// grpcurl (reflection, the operator's SVID) exports them, and a Python
// program using nothing but its standard library verifies them.
const stack = useStack(["identity", "audit"], { env: { CHAOS_AUDIT_SHARDS: "4", CHAOS_AUDIT_SEAL_SECONDS: "1" } });
const auditInternal = () => stack.operator.client(AuditInternalService, "audit");
const audit = () => stack.operator.client(AuditService, "audit");
const verifier = fileURLToPath(new URL("./verify.py", import.meta.url));
let grpcurl: string;

beforeAll(async () => {
  grpcurl = (await ensureGoClientTools()).grpcurl;
  for (let i = 0; i < 30; i++) {
    await auditInternal().appendAuditRecord({
      recordId: randomUUID(),
      actorKind: i % 4 === 0 ? ActorKind.ANONYMOUS : ActorKind.ADMIN,
      actorId: i % 4 === 0 ? "" : `admin-${i % 5}`,
      action: "payment.refund.approve",
      resource: `order/${i}`,
      outcome: i % 3 === 0 ? Outcome.DENIED : Outcome.SUCCESS,
      sourceIp: "2001:db8::7",
      userAgent: "Konsole/1.0 (Ünïcödé; 日本語)",
      details: { amount: String(i * 10), note: "line one\nline \"two\", with, commas: 12:3," },
      occurTime: timestampFromMs(Date.now() - i * 1001),
    });
  }
}, 900_000);

/** The partitions of an export, those with the most records first (the tampering below needs a few records in each). */
function partitionsOf(exportText: string): string[] {
  const counts = new Map<string, number>();
  for (const [, partition] of exportText.matchAll(/"partition": "([^"]+)"/g)) counts.set(partition!, (counts.get(partition!) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([partition]) => partition);
}

/** What grpcurl prints for ExportAuditRecords on audit's internal face, as the operator (every partition, or those starting with `prefix`). */
function exported(prefix = ""): string {
  const operator = stack.pki.paths("operator");
  const result = spawnSync(
    grpcurl,
    ["-cacert", operator.bundle, "-cert", operator.cert, "-key", operator.key, "-d", JSON.stringify({ partition_prefix: prefix }), `127.0.0.1:${stack.ports.audit!.internal}`, "chaos.audit.v1.AuditInternalService/ExportAuditRecords"],
    { encoding: "utf8", timeout: 30_000 },
  );
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

function verify(input: string, ...options: string[]): { code: number | null; out: string } {
  const result = spawnSync("python3", [verifier, ...options], { input, encoding: "utf8", timeout: 30_000 });
  return { code: result.status, out: result.stdout + result.stderr };
}

/** Runs one statement as the database's owner (the admin): what someone with the database's keys could do. */
async function asOwner<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
  const owner = new pg.Client(stack.databaseUrl("audit"));
  await owner.connect();
  try {
    return (await owner.query<R>(sql, values)).rows;
  } finally {
    await owner.end();
  }
}

/** A partition's records in chain order, through the service's own export. */
async function auditInternalRecords(partition: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const { record } of auditInternal().exportAuditRecords({ partitionPrefix: partition })) if (record?.partition === partition) records.push(record);
  return records;
}

/** The hash verify.py computes for a record in protobuf JSON: a forger's tool. */
function pythonHash(record: unknown): string {
  const script = `import json, sys; sys.path.insert(0, ${JSON.stringify(path.dirname(verifier))}); import verify; print(verify.record_hash(verify.normalised(json.load(sys.stdin))))`;
  const result = spawnSync("python3", ["-c", script], { input: JSON.stringify(record), encoding: "utf8", timeout: 30_000 });
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

describe("clients/audit-verify (grpcurl export, Python standard library)", () => {
  it("finds the service's chains intact", async () => {
    // The 30 appended here and identity's signing key rotation at its start, which reaches audit through Kafka
    // (with services starting in well under a second, the test could get here before it landed).
    const countOf = (exportText: string) => [...exportText.matchAll(/"partition": /g)].length;
    let text = exported();
    for (const deadline = Date.now() + 20_000; countOf(text) < 31 && Date.now() < deadline; text = exported()) await new Promise((resolve) => setTimeout(resolve, 200));
    const partitions = partitionsOf(text);
    const records = countOf(text);
    expect(records).toBe(31);
    const result = verify(text);
    expect(result.out).toContain(`intact: ${records} records in ${partitions.length} partitions`);
    expect(result.code).toBe(0);
    expect((await audit().verifyAuditChain({})).intact).toBe(true);
  });

  it("names the partition and sequence of a record the database's owner edited, as does VerifyAuditChain", async () => {
    const first = partitionsOf(exported())[0]!;
    await asOwner("UPDATE audit_records SET details = jsonb_set(details, '{amount}', '\"9999\"') WHERE partition = $1 AND sequence = 3", [first]);

    const result = verify(exported());
    expect(result.code).toBe(1);
    expect(result.out).toContain(`chain broken: partition ${first}, sequence 3 (hash does not match the record's content)`);
    const verdict = await audit().verifyAuditChain({});
    expect(verdict.intact).toBe(false);
    expect(verdict.firstBreak).toMatchObject({ partition: first, sequence: 3n, problem: "hash does not match the record's content" });
    // A range verifies what it covers: before the edit it holds, from the edit on it does not.
    expect(await audit().verifyAuditChain({ partition: first, fromSequence: 1n, toSequence: 2n })).toMatchObject({ intact: true, recordsChecked: 2n });
    expect((await audit().verifyAuditChain({ partition: first, fromSequence: 2n, toSequence: 3n })).firstBreak).toMatchObject({ partition: first, sequence: 3n });
  });

  it("names the gap a removed record leaves, and the link an edit with a recomputed hash breaks", async () => {
    const partitions = partitionsOf(exported());
    const second = partitions[1]!;
    await asOwner("DELETE FROM audit_records WHERE partition = $1 AND sequence = 2", [second]);
    expect(verify(exported()).out).toContain(`BROKEN  partition ${second} sequence 2: sequence 2 is missing (the next record is 3)`);
    expect((await audit().verifyAuditChain({ partition: second })).firstBreak).toMatchObject({ partition: second, sequence: 2n });

    // A forger who recomputes the edited record's hash still breaks the next record's link.
    const third = partitions[2]!;
    const [{ record_id: recordId }] = (await asOwner<{ record_id: string }>("SELECT record_id::text FROM audit_records WHERE partition = $1 AND sequence = 1", [third])) as [{ record_id: string }];
    const forged = { ...toJson(AuditRecordSchema, (await audit().getAuditRecord({ recordId })).record!), outcome: "OUTCOME_SUCCESS", action: "payment.refund.cancel" };
    await asOwner("UPDATE audit_records SET action = $2, outcome = $3, hash = $4 WHERE partition = $1 AND sequence = 1", [third, forged.action, forged.outcome, pythonHash(forged)]);
    expect(verify(exported()).out).toContain(`BROKEN  partition ${third} sequence 2: previous_hash does not match the hash of sequence 1`);
    expect((await audit().verifyAuditChain({ partition: third })).firstBreak).toMatchObject({ partition: third, sequence: 2n, problem: "previous_hash does not match the hash of sequence 1" });
  });

  it("with the chain's seals from the topic, catches a chain the owner rewrote from its genesis on, hashes and all", async () => {
    const first = partitionsOf(exported())[0]!;
    // The seals the service published while the chain was still its own (the sealer runs every second here).
    const head = (await auditInternalRecords(first)).at(-1)!;
    const topic = `${stack.world}.${topicName("audit", "records")}`;
    const sealsOf = (events: readonly TopicEvent[]) => events.filter((e) => e.type === "chaos.audit.v1.AuditChainSealed" && e.subject === first);
    const seals = sealsOf(await readTopicUntil(inject("infra").kafka, topic, [file_chaos_audit_v1_events], (all) => sealsOf(all).some((e) => e.message.sequence === head.sequence)));
    const sealFile = path.join(os.tmpdir(), `chaos-seals-${randomUUID()}.json`);
    fs.writeFileSync(sealFile, seals.map((e) => JSON.stringify(toJson(AuditChainSealedSchema, e.message as AuditChainSealed))).join("\n"));
    try {
      // The forger recomputes every link of the chain (its record at sequence 3 was edited above).
      let previousHash = "0".repeat(64);
      for (const record of await auditInternalRecords(first)) {
        const forged = { ...toJson(AuditRecordSchema, record), previousHash } as Record<string, unknown>;
        const hash = pythonHash(forged);
        await asOwner("UPDATE audit_records SET previous_hash = $3, hash = $4 WHERE partition = $1 AND sequence = $2", [first, record.sequence.toString(), previousHash, hash]);
        previousHash = hash;
      }
      await asOwner("UPDATE audit_chain_heads SET hash = $2 WHERE partition = $1", [first, previousHash]);

      const alone = verify(exported(first));
      expect(alone.out).toContain("intact:");
      expect(alone.code).toBe(0);
      const sealed = verify(exported(first), "--seals", sealFile);
      expect(sealed.code).toBe(1);
      // Records 1 and 2 kept their hashes; the first seal at or after the edited record 3 is the one missed.
      const missed = seals.find((e) => (e.message.sequence as bigint) >= 3n)!.message.sequence as bigint;
      expect(sealed.out).toContain(`chain broken: partition ${first}, sequence ${missed} (hash differs from the one sealed at sequence ${missed})`);
    } finally {
      fs.rmSync(sealFile, { force: true });
    }
  });

  it("gives the canonical form's known answer (services/audit/core/canonical-form.test.ts) from protobuf JSON", () => {
    const record = {
      partition: "2026-12-02/5",
      sequence: "1",
      recordId: "0b6f7c2e-8d4a-4f1b-9e3c-5a7d2b1c0e9f",
      occurTime: "2026-12-02T07:16:41.123456Z",
      recordTime: "2026-12-02T07:16:41.200Z",
      actorKind: "ACTOR_KIND_PLAYER",
      actorId: "a1",
      action: "identity.login",
      resource: "account/a1",
      outcome: "OUTCOME_SUCCESS",
      sourceIp: "203.0.113.7",
      userAgent: "Bücher/1.0",
      source: "spiffe://chaos.world/ns/chaos/sa/identity",
      details: { mfa_used: "false", b: "x,y" },
      previousHash: "0".repeat(64),
    };
    expect(pythonHash(record)).toBe("75ff414e3320bc441ff2d3cdb45e27b42b5009e30db16e54d484c6c4a63a837b");
  });

  it("refuses input that is not audit records (exit 2)", () => {
    expect(verify('{"hello": "world"}').code).toBe(2);
    expect(verify("not json").code).toBe(2);
  });
});
