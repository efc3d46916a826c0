import { describe, expect, it } from "vitest";
import { ActorKind, Outcome } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import type { AuditRecord } from "./audit-record.js";
import { canonicalBytes, genesisHash, recordHash } from "./canonical-form.js";
import { canonicalTimeOf, timestampOfCanonical } from "./canonical-time.js";

// The canonical form is a contract (audit_record.proto): every stored chain
// was hashed over it, so it must never change. This is its known answer.
const record: Omit<AuditRecord, "hash"> = {
  partition: "2026-12-02/5",
  sequence: 1n,
  recordId: "0b6f7c2e-8d4a-4f1b-9e3c-5a7d2b1c0e9f",
  occurTime: "2026-12-02T07:16:41.123456Z",
  recordTime: "2026-12-02T07:16:41.200000Z",
  actorKind: ActorKind.PLAYER,
  actorId: "a1",
  action: "identity.login",
  resource: "account/a1",
  outcome: Outcome.SUCCESS,
  sourceIp: "203.0.113.7",
  userAgent: "Bücher/1.0",
  traceId: "",
  source: "spiffe://chaos.world/ns/chaos/sa/identity",
  details: { mfa_used: "false", b: "x,y" },
  previousHash: genesisHash,
};

describe("the canonical form", () => {
  it("is netstrings in the documented order, details sorted by key, UTF-8 byte lengths", () => {
    expect(canonicalBytes(record).toString("utf8")).toBe(
      "14:chaos.audit.v1,12:2026-12-02/5,1:1,36:0b6f7c2e-8d4a-4f1b-9e3c-5a7d2b1c0e9f,27:2026-12-02T07:16:41.123456Z,27:2026-12-02T07:16:41.200000Z," +
        "17:ACTOR_KIND_PLAYER,2:a1,14:identity.login,10:account/a1,15:OUTCOME_SUCCESS,11:203.0.113.7,11:Bücher/1.0,0:,41:spiffe://chaos.world/ns/chaos/sa/identity," +
        "1:2,1:b,3:x,y,8:mfa_used,5:false,64:" + genesisHash + ",",
    );
  });

  // clients/audit-verify/verify.py gives the same hash for this record in protobuf JSON (times with three digits, empty trace id left out).
  it("hashes to this SHA-256, which any change of a field alters", () => {
    expect(recordHash(record)).toBe("75ff414e3320bc441ff2d3cdb45e27b42b5009e30db16e54d484c6c4a63a837b");
    expect(recordHash({ ...record, details: { ...record.details, b: "x,z" } })).not.toBe(recordHash(record));
    expect(recordHash({ ...record, sequence: 2n })).not.toBe(recordHash(record));
  });

  it("writes times with six fractional digits, cutting finer ones off", () => {
    expect(canonicalTimeOf({ $typeName: "google.protobuf.Timestamp", seconds: 1_764_659_801n, nanos: 123_456_789 })).toBe("2025-12-02T07:16:41.123456Z");
    expect(canonicalTimeOf(timestampOfCanonical("2026-12-02T07:16:41.000001Z"))).toBe("2026-12-02T07:16:41.000001Z");
  });
});
