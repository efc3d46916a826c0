import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Secret, TOTP } from "otpauth";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { AuditInternalService, type AppendAuditRecordRequestSchema } from "@chaos/gen/chaos/audit/v1/audit_internal_service_pb.js";
import { ActorKind, Outcome, type AuditRecord } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import { AuditService, type ListAuditRecordsRequestSchema } from "@chaos/gen/chaos/audit/v1/audit_service_pb.js";
import { file_chaos_audit_v1_events } from "@chaos/gen/chaos/audit/v1/events_pb.js";
import { GuildBankWithdrawnSchema } from "@chaos/gen/chaos/guild/v1/events_pb.js";
import { Role } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import { IdentityInternalService } from "@chaos/gen/chaos/identity/v1/identity_internal_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { TradeSettledSchema } from "@chaos/gen/chaos/trading/v1/events_pb.js";
import { TradeSchema, TradeState } from "@chaos/gen/chaos/trading/v1/trade_pb.js";
import { clientAddressHeader, clientUserAgentHeader, createLogger, createMeshRuntime, loadMeshConfig, principalHeader, spiffeIdFor, topicName } from "@chaos/mesh";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { signUp } from "../../../scripts/test/players.js";
import { Code, refusalOf } from "../../../scripts/test/refusal.js";
import { spawnService } from "../../../scripts/lib/service-process.js";
import { useStack } from "../../../scripts/test/stack.js";
import { cloudEvent, eventually, publish, readTopicUntil, type TopicEvent } from "../../../scripts/test/topic-events.js";
import { LiveEventCancelledSchema, LiveEventScheduledSchema } from "@chaos/gen/chaos/liveops/v1/events_pb.js";
import { LiveEventSchema } from "@chaos/gen/chaos/liveops/v1/live_event_pb.js";
import { ZoneClosedSchema, ZoneOpenedSchema } from "@chaos/gen/chaos/world/v1/events_pb.js";
import { ActionAppliedSchema } from "@chaos/gen/chaos/anticheat/v1/events_pb.js";
import { ActionKind, ActionSchema } from "@chaos/gen/chaos/anticheat/v1/standing_pb.js";
import { ClawbackDebtRecordedSchema } from "@chaos/gen/chaos/payment/v1/events_pb.js";

// No refresh grace window: a token traded twice at once is reuse here, so the test can see that event audited.
const stack = useStack(["identity", "audit"], { env: { CHAOS_AUDIT_SEAL_SECONDS: "1", CHAOS_IDENTITY_REFRESH_GRACE_SECONDS: "0" } });
const audit = () => stack.operator.client(AuditService, "audit");
const auditInternal = () => stack.operator.client(AuditInternalService, "audit");
const identity = () => stack.operator.client(IdentityService, "identity");
const password = "correct horse battery staple";

/** Every record of a listing, following its page tokens. */
async function listAll(filter: MessageInitShape<typeof ListAuditRecordsRequestSchema>, pageSize = 100): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let pageToken = "";
  do {
    const page = await audit().listAuditRecords({ ...filter, pageSize, pageToken });
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return records;
}

/** Six digits that are no valid code anywhere near now. */
function wrongCode(totp: TOTP): string {
  const near = new Set([-2, -1, 0, 1, 2].map((steps) => totp.generate({ timestamp: Date.now() + steps * 30_000 })));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

/** The records of one account, oldest first, once `accept` holds. */
function recordsOf(accountId: string, accept: (records: AuditRecord[]) => boolean): Promise<AuditRecord[]> {
  return eventually(async () => (await listAll({ resource: `account/${accountId}` })).reverse(), accept);
}

/** A direct append of an admin's action, with fresh ids. */
function appendRequest(overrides: MessageInitShape<typeof AppendAuditRecordRequestSchema> = {}): MessageInitShape<typeof AppendAuditRecordRequestSchema> {
  return {
    recordId: randomUUID(),
    actorKind: ActorKind.ADMIN,
    actorId: randomUUID(),
    action: "payment.refund.approve",
    resource: `order/${randomUUID()}`,
    outcome: Outcome.SUCCESS,
    sourceIp: "198.51.100.4",
    userAgent: "console/1.0",
    details: { amount: "500", currency: "EUR" },
    occurTime: timestampFromMs(Date.now()),
    ...overrides,
  };
}

describe("audit (real processes: identity, audit)", () => {
  it("records identity's security events with who, what, where from and the trace: registration, logins, MFA, refresh, a reused refresh token", async () => {
    const email = `audit-${randomUUID()}@example.com`;
    const { account } = await identity().register({ email, password });
    const accountId = account!.accountId;
    // As the gateway: identity takes the client's address and user agent only from it.
    const gateway = createMeshRuntime("gateway", { config: { ...loadMeshConfig({}), pkiDir: stack.pki.dir, registryFile: stack.registryFile }, logger: createLogger("gateway", "silent") });
    const traceId = randomUUID().replaceAll("-", "");
    const fromClient = { headers: { [clientAddressHeader]: "203.0.113.7", [clientUserAgentHeader]: "ChaosClient/2.1", traceparent: `00-${traceId}-${"1".repeat(16)}-01` } };
    let refreshToken: string;
    let asPlayer: { headers: Record<string, string> };
    try {
      const viaGateway = gateway.client(IdentityService, "identity");
      expect(await refusalOf(viaGateway.login({ email, password: "not my password" }, fromClient))).toMatchObject({ code: Code.Unauthenticated });
      const { tokens } = await viaGateway.login({ email, password }, fromClient);
      asPlayer = { headers: { [principalHeader]: tokens!.accessToken, [clientAddressHeader]: "203.0.113.7" } };
      const { secret } = await viaGateway.enrollMfa({ password }, asPlayer);
      const totp = new TOTP({ secret: Secret.fromBase32(secret) });
      expect(await refusalOf(viaGateway.verifyMfa({ password, code: wrongCode(totp) }, asPlayer))).toMatchObject({ code: Code.Unauthenticated });
      const { recoveryCodes } = await viaGateway.verifyMfa({ password, code: totp.generate() }, asPlayer);
      refreshToken = (await viaGateway.refreshSession({ refreshToken: tokens!.refreshToken }, fromClient)).tokens!.refreshToken;
      expect(await refusalOf(viaGateway.disableMfa({ password, code: wrongCode(totp) }, asPlayer))).toMatchObject({ code: Code.Unauthenticated });
      await viaGateway.disableMfa({ password, code: recoveryCodes[0]! }, asPlayer);
      // The first refresh token again: someone holds a copy.
      expect(await refusalOf(viaGateway.refreshSession({ refreshToken: tokens!.refreshToken }, fromClient))).toMatchObject({ reason: "ERROR_REASON_REFRESH_TOKEN_REUSED" });
    } finally {
      await gateway.close();
    }
    expect(refreshToken).not.toBe("");

    const records = await recordsOf(accountId, (all) => all.some((r) => r.action === "identity.session.revoke"));
    expect(records.slice(0, 9).map((r) => [r.action, Outcome[r.outcome]])).toEqual([
      ["identity.account.register", "SUCCESS"],
      ["identity.login", "FAILURE"],
      ["identity.login", "SUCCESS"],
      ["identity.mfa.enroll", "SUCCESS"],
      ["identity.mfa.check", "FAILURE"],
      ["identity.mfa.enable", "SUCCESS"],
      ["identity.session.refresh", "SUCCESS"],
      ["identity.mfa.check", "FAILURE"],
      ["identity.mfa.disable", "SUCCESS"],
    ]);
    // The reuse and the revocation it causes happen at one instant, so their order in a listing is not fixed.
    expect(records.slice(9).map((r) => [r.action, Outcome[r.outcome], r.actorKind]).sort()).toEqual([
      ["identity.session.refresh", "DENIED", ActorKind.ANONYMOUS],
      ["identity.session.revoke", "SUCCESS", ActorKind.SERVICE],
    ]);
    const byAction = (action: string, outcome = Outcome.SUCCESS) => records.find((r) => r.action === action && r.outcome === outcome)!;
    expect(byAction("identity.login")).toMatchObject({ actorKind: ActorKind.PLAYER, actorId: accountId, sourceIp: "203.0.113.7", userAgent: "ChaosClient/2.1", traceId });
    expect(byAction("identity.login").details).toMatchObject({ mfa_used: "false" });
    expect(byAction("identity.login", Outcome.FAILURE)).toMatchObject({ actorKind: ActorKind.ANONYMOUS, actorId: "", sourceIp: "203.0.113.7", details: { reason: "ERROR_REASON_INVALID_CREDENTIALS", failure_count: "1" } });
    expect(records.filter((r) => r.action === "identity.mfa.check").map((r) => r.details)).toEqual([
      { purpose: "verify", reason: "ERROR_REASON_INVALID_MFA_CODE" },
      { purpose: "disable", reason: "ERROR_REASON_INVALID_MFA_CODE" },
    ]);
    expect(byAction("identity.mfa.enable")).toMatchObject({ sourceIp: "203.0.113.7", actorId: accountId });
    expect(byAction("identity.account.register").details).toMatchObject({ email, roles: "ROLE_PLAYER" });
    for (const record of records) expect(record.source).toBe(spiffeIdFor("identity").uri);
  });

  it("records identity's signing key rotations, done by identity itself", async () => {
    const [rotation] = await eventually(() => listAll({ actionPrefix: "identity.signing_key." }), (all) => all.length > 0);
    expect(rotation).toMatchObject({ actorKind: ActorKind.SERVICE, actorId: spiffeIdFor("identity").uri, outcome: Outcome.SUCCESS });
    expect(rotation!.resource).toMatch(/^signing_key\/[0-9a-f-]{36}$/);
  });

  it("records trading's and guild's events through the one table of audited events", async () => {
    const tradeId = randomUUID();
    const proposer = randomUUID();
    const guildId = randomUUID();
    const withdrawer = randomUUID();
    const trade = create(TradeSchema, { tradeId, proposer: { characterId: proposer }, counterparty: { characterId: randomUUID() }, offer: { gold: 40n }, state: TradeState.SETTLED, updateTime: timestampFromMs(Date.now()) });
    await publish(inject("infra").kafka, [
      cloudEvent(`${stack.world}.${topicName("trading", "trades")}`, spiffeIdFor("trading").uri, tradeId, TradeSettledSchema, create(TradeSettledSchema, { trade })),
      cloudEvent(`${stack.world}.${topicName("guild", "guilds")}`, spiffeIdFor("guild").uri, guildId, GuildBankWithdrawnSchema, create(GuildBankWithdrawnSchema, { guildId, characterId: withdrawer, amount: 250n, transactionId: "tx-1", withdrawTime: timestampFromMs(Date.now()) })),
    ]);
    const [settled] = await eventually(() => listAll({ resource: `trade/${tradeId}` }), (all) => all.length === 1);
    expect(settled).toMatchObject({ action: "trading.trade.settle", actorKind: ActorKind.SERVICE, actorId: spiffeIdFor("trading").uri, details: { proposer_character_id: proposer, offer_gold: "40" } });
    const [withdrawn] = await eventually(() => listAll({ actorKind: ActorKind.CHARACTER, actorId: withdrawer }), (all) => all.length === 1);
    expect(withdrawn).toMatchObject({ action: "guild.bank.withdraw", resource: `guild/${guildId}`, details: { amount: "250", transaction_id: "tx-1" } });
  });

  it("records admins' actions on the world and live events: who opened or closed a zone, who scheduled or cancelled an event", async () => {
    const adminId = randomUUID();
    const eventId = randomUUID();
    const zoneId = `zone_${randomUUID().slice(0, 8)}`;
    const at = timestampFromMs(Date.now());
    const liveEvent = create(LiveEventSchema, { eventId, title: "Festival of Flames", tiers: [{ tier: 1, threshold: 1n, gold: 10n }], updateTime: at, cancelReason: "storm" });
    await publish(inject("infra").kafka, [
      cloudEvent(`${stack.world}.${topicName("world", "zones")}`, spiffeIdFor("world").uri, zoneId, ZoneClosedSchema, create(ZoneClosedSchema, { zoneId, reason: "maintenance", closeTime: at, closedBy: adminId })),
      cloudEvent(`${stack.world}.${topicName("world", "zones")}`, spiffeIdFor("world").uri, zoneId, ZoneOpenedSchema, create(ZoneOpenedSchema, { zoneId, openTime: at, openedBy: "" })),
      cloudEvent(`${stack.world}.${topicName("liveops", "events")}`, spiffeIdFor("liveops").uri, eventId, LiveEventScheduledSchema, create(LiveEventScheduledSchema, { event: liveEvent, scheduledBy: adminId })),
      cloudEvent(`${stack.world}.${topicName("liveops", "events")}`, spiffeIdFor("liveops").uri, eventId, LiveEventCancelledSchema, create(LiveEventCancelledSchema, { event: liveEvent, cancelTime: at, cancelledBy: adminId })),
    ]);
    const zone = await eventually(() => listAll({ resource: `zone/${zoneId}` }), (all) => all.length === 2);
    expect(zone.find((r) => r.action === "world.zone.close")).toMatchObject({ actorKind: ActorKind.ADMIN, actorId: adminId, details: { reason: "maintenance" } });
    // Opened by the operator workload, with no admin's token: the record names the workload that published it.
    expect(zone.find((r) => r.action === "world.zone.open")).toMatchObject({ actorKind: ActorKind.SERVICE, actorId: spiffeIdFor("world").uri });
    const event = await eventually(() => listAll({ resource: `live_event/${eventId}` }), (all) => all.length === 2);
    expect(event.map((r) => [r.action, r.actorKind, r.actorId]).sort()).toEqual([
      ["liveops.event.cancel", ActorKind.ADMIN, adminId],
      ["liveops.event.schedule", ActorKind.ADMIN, adminId],
    ]);
    expect(event.find((r) => r.action === "liveops.event.cancel")?.details).toMatchObject({ title: "Festival of Flames", reason: "storm" });
  });

  it("records fair-play actions with the moderator or the rules that took them, and payments' money movements", async () => {
    const playerId = randomUUID();
    const moderatorId = randomUUID();
    const orderId = randomUUID();
    const at = timestampFromMs(Date.now());
    const action = (actionId: string, appliedBy: string) =>
      create(ActionSchema, { actionId, playerId, kind: ActionKind.TRADE_RESTRICTION, appliedBy, reason: "Gold funnelled from many accounts", applyTime: at });
    const anticheat = `${stack.world}.${topicName("anticheat", "actions")}`;
    await publish(inject("infra").kafka, [
      cloudEvent(anticheat, spiffeIdFor("anticheat").uri, playerId, ActionAppliedSchema, create(ActionAppliedSchema, { action: action(randomUUID(), moderatorId) })),
      cloudEvent(anticheat, spiffeIdFor("anticheat").uri, playerId, ActionAppliedSchema, create(ActionAppliedSchema, { action: action(randomUUID(), "auto") })),
      cloudEvent(`${stack.world}.${topicName("payment", "orders")}`, spiffeIdFor("payment").uri, orderId, ClawbackDebtRecordedSchema, create(ClawbackDebtRecordedSchema, { orderId, refundId: randomUUID(), accountId: playerId, debt: 400n, recordTime: at })),
    ]);
    const applied = await eventually(() => listAll({ resource: `account/${playerId}` }), (all) => all.length === 2);
    expect(applied.map((r) => [r.action, r.actorKind, r.actorId]).sort()).toEqual(
      [
        ["anticheat.action.apply", ActorKind.ADMIN, moderatorId],
        ["anticheat.action.apply", ActorKind.SERVICE, spiffeIdFor("anticheat").uri],
      ].sort(),
    );
    expect(applied[0]?.details).toMatchObject({ kind: "ACTION_KIND_TRADE_RESTRICTION", reason: "Gold funnelled from many accounts" });
    const [debt] = await eventually(() => listAll({ resource: `order/${orderId}` }), (all) => all.length === 1);
    expect(debt).toMatchObject({ action: "payment.clawback.debt", actorKind: ActorKind.SERVICE, details: { account_id: playerId, debt: "400" } });
  });

  it("appends directly, idempotent by record id, and refuses the id with other content or a malformed record", async () => {
    const request = appendRequest();
    const first = await auditInternal().appendAuditRecord(request);
    expect(first.duplicate).toBe(false);
    expect(first.record).toMatchObject({ recordId: request.recordId, actorKind: ActorKind.ADMIN, action: "payment.refund.approve", source: spiffeIdFor("operator").uri, details: request.details });
    expect(first.record!.sequence).toBeGreaterThan(0n);
    expect(first.record!.hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await auditInternal().appendAuditRecord(request);
    expect(again).toMatchObject({ duplicate: true, record: { sequence: first.record!.sequence, hash: first.record!.hash } });
    expect(await refusalOf(auditInternal().appendAuditRecord({ ...request, outcome: Outcome.DENIED }))).toMatchObject({ code: Code.AlreadyExists, reason: "ERROR_REASON_RECORD_CONFLICT" });
    expect(await refusalOf(auditInternal().appendAuditRecord({ ...appendRequest(), action: "Refund Approved" }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(auditInternal().appendAuditRecord({ ...appendRequest(), details: { "Not A Key": "x" } }))).toMatchObject({ code: Code.InvalidArgument });
    expect(await refusalOf(auditInternal().appendAuditRecord({ ...appendRequest(), occurTime: undefined }))).toMatchObject({ code: Code.InvalidArgument });
    expect((await audit().getAuditRecord({ recordId: request.recordId })).record?.hash).toBe(first.record!.hash);
    expect(await refusalOf(audit().getAuditRecord({ recordId: randomUUID() }))).toMatchObject({ code: Code.NotFound, reason: "ERROR_REASON_RECORD_NOT_FOUND" });
  });

  it("keeps every partition's chain whole under many concurrent appends, and VerifyAuditChain says so", async () => {
    const admin = randomUUID();
    const appended = await Promise.all(Array.from({ length: 120 }, (_, i) => auditInternal().appendAuditRecord(appendRequest({ actorId: admin, resource: `order/${i % 3}` }))));
    const byPartition = new Map<string, bigint[]>();
    for (const { record } of appended) byPartition.set(record!.partition, [...(byPartition.get(record!.partition) ?? []), record!.sequence]);
    for (const [partition, sequences] of byPartition) {
      expect(new Set(sequences).size, partition).toBe(sequences.length);
      const verdict = await audit().verifyAuditChain({ partition });
      expect(verdict, `${partition}: ${JSON.stringify(verdict.firstBreak, (_, v) => (typeof v === "bigint" ? String(v) : v))}`).toMatchObject({ intact: true, truncated: false, partitionsChecked: 1n });
    }
    const all = await audit().verifyAuditChain({});
    expect(all.intact).toBe(true);
    expect(all.recordsChecked).toBeGreaterThanOrEqual(120n);
    expect(await refusalOf(audit().verifyAuditChain({ fromSequence: 2n }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_SEQUENCE_RANGE" });
  });

  it("gives out every sequence of one partition once while two replicas append to it at the same time", async () => {
    // A second audit process on other ports, on the same database, as a second pod would be.
    const replica = await stack.startReplica("audit");
    try {
      const replicas = [auditInternal(), replica.operator.client(AuditInternalService, "audit")];
      const admin = randomUUID();
      const appended = await Promise.all(Array.from({ length: 100 }, (_, i) => replicas[i % 2]!.appendAuditRecord(appendRequest({ actorId: admin, resource: "order/contended" }))));
      const partitions = new Set(appended.map((a) => a.record!.partition));
      expect(partitions.size).toBe(1);
      const [partition] = partitions;
      const sequences = appended.map((a) => a.record!.sequence).sort((a, b) => (a < b ? -1 : 1));
      expect(sequences).toEqual(Array.from({ length: 100 }, (_, i) => sequences[0]! + BigInt(i)));
      expect(await audit().verifyAuditChain({ partition })).toMatchObject({ intact: true, recordsChecked: sequences.at(-1) });
    } finally {
      await replica.stop();
    }
  });

  it("seals every chain that grew: its head's sequence and hash go to the records topic, outside the database", async () => {
    const admin = randomUUID();
    let last: AuditRecord | undefined;
    for (let i = 0; i < 3; i++) last = (await auditInternal().appendAuditRecord(appendRequest({ actorId: admin, resource: "order/sealed" }))).record;
    const topic = `${stack.world}.${topicName("audit", "records")}`;
    const sealsOf = (events: readonly TopicEvent[]) => events.filter((e) => e.type === "chaos.audit.v1.AuditChainSealed" && e.subject === last!.partition);
    const seals = sealsOf(await readTopicUntil(inject("infra").kafka, topic, [file_chaos_audit_v1_events], (all) => sealsOf(all).some((e) => e.message.sequence === last!.sequence)));
    expect(seals.find((e) => e.message.sequence === last!.sequence)?.message).toMatchObject({ partition: last!.partition, hash: last!.hash });
    // Seals only move forward, one per round that found the chain grown.
    const sequences = seals.map((e) => e.message.sequence as bigint);
    expect(sequences).toEqual([...new Set(sequences)].sort((a, b) => (a < b ? -1 : 1)));
  });

  it("lets the service's own database role insert and read the log but never UPDATE or DELETE it (SQLSTATE 42501)", async () => {
    const runtime = new pg.Client(stack.runtimeDatabaseUrl("audit"));
    await runtime.connect();
    try {
      const { rows } = await runtime.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_records");
      expect(Number(rows[0]!.n)).toBeGreaterThan(0);
      const code = (sql: string) => runtime.query(sql).then(() => "no error", (error: { code?: string }) => error.code);
      expect(await code("UPDATE audit_records SET action = 'forged' WHERE sequence = 1")).toBe("42501");
      expect(await code("DELETE FROM audit_records WHERE sequence = 1")).toBe("42501");
      expect(await code("TRUNCATE audit_records")).toBe("42501");
    } finally {
      await runtime.end();
    }
  });

  it("does not start when its DATABASE_URL could change the log (the owner) or no owner is given for the migrations", async () => {
    const start = (database: Record<string, string>) =>
      spawnService("audit", { env: { ...process.env, ...stack.envOf("audit"), ...database }, onLine: () => undefined }).then(
        async (started) => {
          await started.stop();
          return "started";
        },
        (error: Error) => error.message,
      );
    expect(await start({ DATABASE_URL: stack.databaseUrl("audit"), DATABASE_OWNER_URL: stack.databaseUrl("audit") })).toMatch(/DATABASE_URL must log in as a role that neither owns them nor is a superuser/);
    expect(await start({ DATABASE_URL: stack.runtimeDatabaseUrl("audit"), DATABASE_OWNER_URL: "" })).toMatch(/DATABASE_OWNER_URL is not set/);
  });

  it("searches by actor, action, resource, outcome and time, newest first, in pages that neither repeat nor skip", async () => {
    const admin = randomUUID();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 7; i++) {
      await auditInternal().appendAuditRecord(
        appendRequest({ actorId: admin, action: i % 2 === 0 ? "payment.refund.approve" : "payment.refund.deny", outcome: i % 2 === 0 ? Outcome.SUCCESS : Outcome.DENIED, occurTime: timestampFromMs(base + i * 1000) }),
      );
    }
    const mine = await listAll({ actorId: admin }, 3);
    expect(mine).toHaveLength(7);
    expect(new Set(mine.map((r) => r.recordId)).size).toBe(7);
    const times = mine.map((r) => Number(r.occurTime!.seconds));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await listAll({ actorId: admin, actionPrefix: "payment.refund.d" })).length).toBe(3);
    expect((await listAll({ actorId: admin, outcome: Outcome.DENIED })).every((r) => r.action === "payment.refund.deny")).toBe(true);
    const window = await listAll({ actorId: admin, startTime: timestampFromMs(base + 2000), endTime: timestampFromMs(base + 5000) });
    expect(window.map((r) => Number(r.occurTime!.seconds) * 1000 + Math.floor(r.occurTime!.nanos / 1e6) - base)).toEqual([4000, 3000, 2000]);
    expect((await listAll({ resource: mine[0]!.resource })).map((r) => r.recordId)).toEqual([mine[0]!.recordId]);

    const page = await audit().listAuditRecords({ actorId: admin, pageSize: 2 });
    expect(await refusalOf(audit().listAuditRecords({ actorId: randomUUID(), pageToken: page.nextPageToken }))).toMatchObject({ code: Code.InvalidArgument });
    // The longest filters still give tokens the next call accepts.
    const long = { actorId: "a".repeat(256), actionPrefix: "b".repeat(126), resource: "c".repeat(256), startTime: timestampFromMs(base), endTime: timestampFromMs(Date.now() + 60_000) };
    for (let i = 0; i < 2; i++) await auditInternal().appendAuditRecord(appendRequest({ actorId: long.actorId, action: `${long.actionPrefix}.x`, resource: long.resource }));
    const longPage = await audit().listAuditRecords({ ...long, pageSize: 1 });
    expect((await audit().listAuditRecords({ ...long, pageSize: 1, pageToken: longPage.nextPageToken })).records).toHaveLength(1);
    expect(await refusalOf(audit().listAuditRecords({ startTime: timestampFromMs(base), endTime: timestampFromMs(base) }))).toMatchObject({ code: Code.InvalidArgument, reason: "ERROR_REASON_INVALID_TIME_RANGE" });
  });

  it("is for admins only: an admin's token reads it, a player's is refused; making the admin is on the record", async () => {
    const player = await signUp(stack);
    expect(await refusalOf(audit().listAuditRecords({}, player.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
    expect(await refusalOf(audit().verifyAuditChain({}, player.asPlayer))).toMatchObject({ code: Code.PermissionDenied });
    expect(await refusalOf(audit().getAuditRecord({ recordId: randomUUID() }, player.asPlayer))).toMatchObject({ code: Code.PermissionDenied });

    const admin = await signUp(stack);
    await stack.operator.client(IdentityInternalService, "identity").setAccountRoles({ account: { case: "accountId", value: admin.accountId }, roles: [Role.PLAYER, Role.ADMIN], reason: "security staff" });
    const { tokens } = await identity().login({ email: admin.email, password: admin.password });
    const asAdmin = { headers: { [principalHeader]: tokens!.accessToken } };
    const [made] = await eventually(() => audit().listAuditRecords({ resource: `account/${admin.accountId}`, actionPrefix: "identity.account.change_roles" }, asAdmin), (page) => page.records.length === 1).then((page) => page.records);
    expect(made).toMatchObject({ actorKind: ActorKind.SERVICE, details: { previous_roles: "ROLE_PLAYER", roles: "ROLE_PLAYER,ROLE_ADMIN", reason: "security staff" } });
    expect((await audit().verifyAuditChain({ partition: made!.partition }, asAdmin)).intact).toBe(true);
  });
});
