import { setTimeout as sleep } from "node:timers/promises";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { file_chaos_gateway_v1_events } from "@chaos/gen/chaos/gateway/v1/events_pb.js";
import { GatewayService } from "@chaos/gen/chaos/gateway/v1/gateway_service_pb.js";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { errorInfoOf } from "@chaos/mesh";
import { useStack } from "../../scripts/test/stack.js";
import { readTopicUntil, type TopicEvent } from "../../scripts/test/topic-events.js";
import { edgeTransports, refusal, signUpAtEdge } from "./test-support.js";

// 3 calls at once per player, then one a second. The address allowance (80 at once, then one per 30 s,
// so it does not refill while the test looks) is spent last, on purpose.
const stack = useStack(["identity", "gateway"], { env: { CHAOS_GATEWAY_PLAYER_RATE: "1/s burst 3", CHAOS_GATEWAY_IP_RATE: "2/m burst 80" } });

/** Reads the gateway's traffic topic of this world until `done` holds for what was read, or `timeoutMs` passed. */
const trafficEvents = (done: (events: readonly TopicEvent[]) => boolean, timeoutMs?: number) =>
  readTopicUntil(inject("infra").kafka, `${stack.world}.chaos.gateway.v1.traffic`, [file_chaos_gateway_v1_events], done, timeoutMs);

/** Calls until the gateway refuses; returns the refusal. */
async function callUntilRefused(call: () => Promise<unknown>, atMost: number): Promise<ConnectError> {
  for (let i = 0; i < atMost; i += 1) {
    const outcome = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome !== undefined) {
      expect(outcome).toBeInstanceOf(ConnectError);
      return outcome as ConnectError;
    }
  }
  throw new Error(`still served after ${atMost} calls`);
}

function expectRateLimited(error: ConnectError, limit: "ip" | "player"): number {
  expect(error.code).toBe(Code.ResourceExhausted);
  expect(errorInfoOf(error)).toEqual({ reason: "ERROR_REASON_RATE_LIMITED", domain: "gateway.chaos.world", metadata: { limit } });
  const [retry] = error.findDetails(RetryInfoSchema);
  expect(retry?.retryDelay).toBeDefined();
  const delayMs = durationMs(retry!.retryDelay!);
  expect(delayMs).toBeGreaterThan(0);
  return delayMs;
}

describe.each(edgeTransports)("per-player limit over %s", (_name, transportOf) => {
  let transport: Transport;
  beforeAll(() => {
    transport = transportOf(stack);
  });

  it("refuses a player's calls beyond the burst with RESOURCE_EXHAUSTED, the reason and RetryInfo; after the delay calls go through", async () => {
    const me = await signUpAtEdge(transport);
    const identity = createClient(IdentityService, transport);
    const served: boolean[] = [];
    for (let i = 0; i < 3; i += 1) served.push(await identity.getAccount({}, me.auth).then(() => true));
    expect(served).toEqual([true, true, true]);
    const error = await refusal(identity.getAccount({}, me.auth));
    const delayMs = expectRateLimited(error, "player");
    expect(delayMs).toBeLessThanOrEqual(1_000);

    // Another player is not held back by this one.
    const other = await signUpAtEdge(transport);
    expect((await identity.getAccount({}, other.auth)).account?.accountId).toBe(other.accountId);

    await sleep(delayMs);
    expect((await identity.getAccount({}, me.auth)).account?.accountId).toBe(me.accountId);
  });

  it("publishes one RateLimitExceeded event per player and minute, however often the player is refused", async () => {
    const me = await signUpAtEdge(transport);
    const identity = createClient(IdentityService, transport);
    const refused = await callUntilRefused(() => identity.getAccount({}, me.auth), 10);
    expectRateLimited(refused, "player");
    await refusal(identity.getAccount({}, me.auth));
    await refusal(identity.getAccount({}, me.auth));

    const mine = (events: readonly TopicEvent[]) => events.filter((e) => e.message.key === me.accountId);
    // Reads for 3 s unless a second (wrong) event for this player shows up sooner.
    const events = mine(await trafficEvents((read) => mine(read).length > 1, 3_000));
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe("chaos.gateway.v1.RateLimitExceeded");
    expect(events[0]?.subject).toBe(me.accountId);
    expect(events[0]?.message).toMatchObject({ limit: "player", key: me.accountId, method: "/chaos.identity.v1.IdentityService/GetAccount" });
  });
});

describe("per-address limit", () => {
  it("refuses every call from an address beyond its allowance, tokens or not", async () => {
    const [, transportOf] = edgeTransports[1];
    const gateway = createClient(GatewayService, transportOf(stack));
    const refused = await callUntilRefused(() => gateway.getServerInfo({}), 100);
    expectRateLimited(refused, "ip");
    const identity = createClient(IdentityService, edgeTransports[0][1](stack));
    expectRateLimited(await refusal(identity.login({ email: "someone@example.com", password: "correct horse battery staple" })), "ip");
    // The address limit comes before the token check and validation: bad calls count, and are refused as such.
    expectRateLimited(await refusal(identity.getAccount({}, { headers: { authorization: "Bearer not.a.token" } })), "ip");
    expectRateLimited(await refusal(identity.register({ email: "not-an-email", password: "short" })), "ip");
    const byAddress = (events: readonly TopicEvent[]) => events.filter((e) => e.message.limit === "ip").map((e) => e.message.key);
    expect(byAddress(await trafficEvents((events) => byAddress(events).length > 0))).toContain("127.0.0.1");
  });
});
