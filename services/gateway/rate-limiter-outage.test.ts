import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { IdentityService } from "@chaos/gen/chaos/identity/v1/identity_service_pb.js";
import { RetryInfoSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { startFaultProxy } from "../../scripts/test/fault-proxy.js";
import { Code, refusal, refusalOf } from "../../scripts/test/refusal.js";
import { useStack } from "../../scripts/test/stack.js";
import { eventually } from "../../scripts/test/topic-events.js";
import { signUpAtEdge } from "./test-support.js";

// The gateway reaches Redis through a proxy the test can cut: its rate limiter's store goes away for real.
const redis = new URL(inject("infra").redisUrl);
const proxy = await startFaultProxy({ host: redis.hostname, port: Number(redis.port) });
const throughProxy = new URL(redis);
throughProxy.port = String(proxy.port);
const stack = useStack(["identity", "gateway"], { env: { REDIS_URL: throughProxy.toString() } });
afterAll(() => proxy.close());

describe("the gateway's rate limits while Redis is away (decided per limit)", () => {
  it("refuses sign-ups and logins (UNAVAILABLE, RATE_LIMITER_UNAVAILABLE, RetryInfo) but lets signed-in players play on; then all is as before", async () => {
    const transport = createConnectTransport({ baseUrl: stack.gateway.http1, httpVersion: "1.1" });
    const identity = createClient(IdentityService, transport);
    const player = await signUpAtEdge(transport);

    proxy.cut();
    try {
      for (const call of [
        () => identity.register({ email: `outage-${randomUUID()}@example.com`, password: "correct horse battery staple" }),
        () => identity.login({ email: player.email, password: player.password, userAgent: "outage-test" }),
      ]) {
        const refused = await refusal(call);
        expect(await refusalOf(Promise.reject(refused))).toMatchObject({ code: Code.Unavailable, reason: "ERROR_REASON_RATE_LIMITER_UNAVAILABLE" });
        expect(refused.findDetails(RetryInfoSchema)[0]?.retryDelay).toBeDefined();
      }
      // Players already in keep playing: their calls go through, unlimited for now.
      expect((await identity.getAccount({}, player.auth)).account?.email).toBe(player.email);
    } finally {
      proxy.restore();
    }

    const email = `after-${randomUUID()}@example.com`;
    await eventually(
      () => identity.register({ email, password: "correct horse battery staple" }).then(() => true, () => false),
      (registered) => registered,
      15_000,
    );
    expect((await identity.login({ email, password: "correct horse battery staple", userAgent: "outage-test" })).tokens?.accessToken).toBeDefined();
  });
});
