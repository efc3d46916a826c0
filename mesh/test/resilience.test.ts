import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import { isBreakerOpen, type MeshRuntime, type MeshServer } from "../src/index.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

let pkiDir: string;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  pkiDir = (await createTestPki()).dir;
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** An echo server that counts the Echo calls reaching its handler. */
async function countingEcho(behave: (attempt: number) => { failCode?: Code; pushback?: string }) {
  const handlers = createEchoHandlers("echo");
  let attempts = 0;
  const { server, runtime, addresses } = await startEcho("echo", pkiDir, {
    impl: {
      ...handlers,
      async echo(request, context) {
        attempts++;
        const { failCode, pushback } = behave(attempts);
        return handlers.echo({ ...request, failCode: failCode ?? 0, retryPushbackMs: pushback ?? "" }, context);
      },
    },
  });
  cleanup.push(async () => {
    await server.shutdown();
    runtime.close();
  });
  return { attempts: () => attempts, port: addresses.internalPort };
}

function caller(port: number, overrides: Parameters<typeof testRuntime>[3] = {}): MeshRuntime {
  const runtime = testRuntime("gateway", pkiDir, { echo: port }, overrides);
  cleanup.push(() => runtime.close());
  return runtime;
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ConnectError);

describe("circuit breaker", () => {
  it("opens after the threshold, fails fast while open, probes once half-open, closes on success", async () => {
    let healthy = false;
    const echo = await countingEcho(() => (healthy ? {} : { failCode: Code.Unavailable }));
    const gateway = caller(echo.port, { breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 300 }, retryPolicy: { maxAttempts: 1 } });
    const client = gateway.client(EchoService, "echo");
    for (let i = 0; i < 4; i++) expect((await failure(client.echo({})))?.code).toBe(Code.Unavailable);
    expect(gateway.breakers.state("echo", "/chaos.echo.v1.EchoService/Echo")).toBe("open");

    const reached = echo.attempts();
    const fast = await failure(client.echo({}));
    expect(isBreakerOpen(fast)).toBe(true);
    expect(fast?.code).toBe(Code.Unavailable);
    expect(echo.attempts()).toBe(reached);

    healthy = true;
    await new Promise((r) => setTimeout(r, 400));
    expect(gateway.breakers.state("echo", "/chaos.echo.v1.EchoService/Echo")).toBe("halfOpen");
    const [probe, second] = await Promise.allSettled([client.echo({}), client.echo({})]);
    expect(probe.status).toBe("fulfilled");
    expect(second.status === "rejected" && isBreakerOpen(second.reason)).toBe(true);
    expect(echo.attempts()).toBe(reached + 1);
    expect(gateway.breakers.state("echo", "/chaos.echo.v1.EchoService/Echo")).toBe("closed");
    await expect(client.echo({})).resolves.toBeDefined();
  });

  it("does not count caller errors (INVALID_ARGUMENT, NOT_FOUND) as upstream failures", async () => {
    const echo = await countingEcho(() => ({ failCode: Code.NotFound }));
    const gateway = caller(echo.port, { breaker: { volumeThreshold: 3 }, retryPolicy: { maxAttempts: 1 } });
    const client = gateway.client(EchoService, "echo");
    for (let i = 0; i < 6; i++) expect((await failure(client.echo({})))?.code).toBe(Code.NotFound);
    expect(gateway.breakers.state("echo", "/chaos.echo.v1.EchoService/Echo")).toBe("closed");
    expect(echo.attempts()).toBe(6);
  });
});

describe("circuit breaker and the caller's own deadline", () => {
  const echoPath = "/chaos.echo.v1.EchoService/Echo";

  it("does not open when calls run out of a deadline the caller chose too short, and still opens on real failures", async () => {
    let failing = false;
    const echo = await countingEcho(() => (failing ? { failCode: Code.Unavailable } : {}));
    const gateway = caller(echo.port, { breaker: { volumeThreshold: 10 }, retryPolicy: { maxAttempts: 1 } });
    const client = gateway.client(EchoService, "echo");
    // A slowish upstream (50 ms) and 30 callers that allow it 5 ms: every one runs out of time.
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => failure(client.echo({ delayMs: 50 }, { timeoutMs: 5 }))));
    expect(outcomes.map((e) => e?.code)).toEqual(outcomes.map(() => Code.DeadlineExceeded));
    expect(gateway.breakers.state("echo", echoPath)).toBe("closed");
    await expect(client.echo({}, { timeoutMs: 1_000 })).resolves.toBeDefined();

    failing = true;
    const another = caller(echo.port, { breaker: { volumeThreshold: 10 }, retryPolicy: { maxAttempts: 1 } });
    for (let i = 0; i < 10; i++) expect((await failure(another.client(EchoService, "echo").echo({})))?.code).toBe(Code.Unavailable);
    expect(another.breakers.state("echo", echoPath)).toBe("open");
  });

  it("an edge client's 5 ms deadline is raised to the edge minimum, and does not open the serving gateway's breaker", async () => {
    const echo = await countingEcho(() => ({}));
    let upstream: MeshRuntime | undefined;
    const seenTimeouts: number[] = [];
    const relay = await startEcho("relay", pkiDir, {
      edge: true,
      addresses: { echo: echo.port },
      impl: {
        async echo(request, context) {
          seenTimeouts.push(context.timeoutMs() ?? Infinity);
          const response = await upstream!.client(EchoService, "echo").echo(request);
          return { payload: response.payload, servedBy: `relay>${response.servedBy}` };
        },
      },
    });
    upstream = relay.runtime;
    cleanup.push(async () => {
      await relay.server.shutdown();
      relay.runtime.close();
    });
    // Raw Connect requests, so the client's own 5 ms timer cannot abort them before the server reads them.
    const attack = () =>
      fetch(`http://127.0.0.1:${relay.addresses.edgeHttp1Port}/chaos.echo.v1.EchoService/Echo`, {
        method: "POST",
        headers: { "content-type": "application/json", "connect-timeout-ms": "5" },
        body: JSON.stringify({ delayMs: 150 }),
      }).then(async (response) => ((await response.json()) as { code?: string }).code);
    const codes = await Promise.all(Array.from({ length: 20 }, attack));
    // Out of time at the server's 100 ms: the hop's deadline or its cancellation, never a breaker's "unavailable".
    expect(codes.filter((code) => code !== "deadline_exceeded" && code !== "canceled")).toEqual([]);
    expect(seenTimeouts).toHaveLength(20);
    // The edge's 100 ms runs from each call's arrival: a call that waited for the busy event loop sees less of it,
    // but the first ones handled see far more than the client's 5 ms.
    expect(Math.max(...seenTimeouts)).toBeGreaterThan(50);
    expect(relay.runtime.breakers.state("echo", echoPath)).toBe("closed");
  });

  it("opens when the upstream does not answer within a reasonable deadline", async () => {
    const echo = await countingEcho(() => ({}));
    const gateway = caller(echo.port, { breaker: { volumeThreshold: 4, minCountedBudgetMs: 200 }, retryPolicy: { maxAttempts: 1 } });
    const client = gateway.client(EchoService, "echo");
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => failure(client.echo({ delayMs: 2_000 }, { timeoutMs: 250 }))));
    expect(outcomes.map((e) => e?.code)).toEqual(outcomes.map(() => Code.DeadlineExceeded));
    expect(gateway.breakers.state("echo", echoPath)).toBe("open");
  });
});

describe("retries (gRFC A6)", () => {
  it("retries UNAVAILABLE on a method marked free of side effects, with backoff, up to success", async () => {
    const echo = await countingEcho((n) => (n < 3 ? { failCode: Code.Unavailable } : {}));
    const client = caller(echo.port, { retryPolicy: { maxAttempts: 5, initialBackoffMs: 10 } }).client(EchoService, "echo");
    await expect(client.echo({})).resolves.toBeDefined();
    expect(echo.attempts()).toBe(3);
  });

  it("stops at maxAttempts, and never retries codes outside the policy", async () => {
    const unavailable = await countingEcho(() => ({ failCode: Code.Unavailable }));
    const client = caller(unavailable.port, { retryPolicy: { maxAttempts: 4, initialBackoffMs: 5 } }).client(EchoService, "echo");
    expect((await failure(client.echo({})))?.code).toBe(Code.Unavailable);
    expect(unavailable.attempts()).toBe(4);
  });

  it("caps attempts at 5 whatever the policy says", async () => {
    const echo = await countingEcho(() => ({ failCode: Code.Unavailable }));
    const client = caller(echo.port, { retryPolicy: { maxAttempts: 9, initialBackoffMs: 1 }, breaker: { volumeThreshold: 100 } }).client(EchoService, "echo");
    await failure(client.echo({}));
    expect(echo.attempts()).toBe(5);
  });

  it("honours grpc-retry-pushback-ms, and does not retry when it is negative or unparseable", async () => {
    for (const [pushback, expected] of [["-1", 1], ["soon", 1], ["120", 2]] as const) {
      const echo = await countingEcho((n) => (n === 1 ? { failCode: Code.Unavailable, pushback } : {}));
      const client = caller(echo.port, { retryPolicy: { maxAttempts: 3, initialBackoffMs: 1 } }).client(EchoService, "echo");
      const started = Date.now();
      const outcome = await client.echo({}).then(() => "ok", (e: ConnectError) => Code[e.code]);
      expect({ pushback, attempts: echo.attempts(), outcome }).toEqual({ pushback, attempts: expected, outcome: expected === 2 ? "ok" : "Unavailable" });
      if (expected === 2) expect(Date.now() - started).toBeGreaterThanOrEqual(115);
      for (const fn of cleanup.splice(0).reverse()) await fn();
    }
  });

  it("does not retry a method with side effects that carries no idempotency key", async () => {
    const handlers = createEchoHandlers("echo");
    let calls = 0;
    const { server, runtime, addresses } = await startEcho("echo", pkiDir, {
      impl: {
        ...handlers,
        async whoAmI() {
          calls++;
          throw new ConnectError("try later", Code.Unavailable);
        },
      },
    });
    cleanup.push(async () => {
      await server.shutdown();
      runtime.close();
    });
    const policy = { retryPolicy: { maxAttempts: 5, initialBackoffMs: 1 } };
    expect((await failure(caller(addresses.internalPort, policy).client(EchoService, "echo").whoAmI({})))?.code).toBe(Code.Unavailable);
    expect(calls).toBe(1);
    // The same call with an idempotency key is safe to repeat (a fresh client, so a fresh retry budget).
    await failure(caller(addresses.internalPort, policy).client(EchoService, "echo").whoAmI({}, { headers: { "idempotency-key": "k-1" } }));
    expect(calls).toBe(1 + 5);
  });

  it("stops retrying when the retry budget is spent, so retries cannot multiply an outage", async () => {
    const echo = await countingEcho(() => ({ failCode: Code.Unavailable }));
    const client = caller(echo.port, { retryPolicy: { maxAttempts: 5, initialBackoffMs: 1, maxBackoffMs: 2 }, breaker: { volumeThreshold: 1000 } }).client(EchoService, "echo");
    for (let i = 0; i < 10; i++) await failure(client.echo({}));
    // Budget 10 tokens, retries stop below 5: 5 failures drain it, so 10 calls make 5 + 1 * ... attempts, far fewer than 50.
    expect(echo.attempts()).toBeLessThanOrEqual(15);
    expect(echo.attempts()).toBeGreaterThanOrEqual(10);
  });
});

describe("deadline and cancellation propagation", () => {
  let relay: { server: MeshServer; runtime: MeshRuntime; port: number };

  async function startRelay(echoPort: number) {
    // "relay" serves Echo by calling echo's Echo itself: a second hop.
    let upstream: MeshRuntime | undefined;
    const started = await startEcho("relay", pkiDir, {
      addresses: { echo: echoPort },
      impl: {
        async echo(request) {
          const response = await upstream!.client(EchoService, "echo").echo(request);
          return { payload: response.payload, servedBy: `relay>${response.servedBy}` };
        },
      },
    });
    upstream = started.runtime;
    cleanup.push(async () => {
      await started.server.shutdown();
      started.runtime.close();
    });
    return { ...started, port: started.addresses.internalPort };
  }

  it("passes the remaining time downstream: the second hop gets the first hop's remaining deadline", async () => {
    const handlers = createEchoHandlers("echo");
    const seenTimeouts: number[] = [];
    let cancelledAt = 0;
    const echo = await startEcho("echo", pkiDir, {
      impl: {
        ...handlers,
        async echo(request, context) {
          seenTimeouts.push(context.timeoutMs() ?? Infinity);
          context.signal.addEventListener("abort", () => (cancelledAt = Date.now()));
          return handlers.echo(request, context);
        },
      },
    });
    cleanup.push(async () => {
      await echo.server.shutdown();
      echo.runtime.close();
    });
    relay = await startRelay(echo.addresses.internalPort);
    const gateway = testRuntime("gateway", pkiDir, { relay: relay.port });
    cleanup.push(() => gateway.close());
    const ok = await gateway.client(EchoService, "relay").echo({ payload: new Uint8Array([1]) }, { timeoutMs: 2_000 });
    expect(ok.servedBy).toBe("relay>echo");
    const started = Date.now();
    const error = await failure(gateway.client(EchoService, "relay").echo({ delayMs: 3_000 }, { timeoutMs: 300 }));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(1_500);
    // The second hop was told less than the caller's 300 ms, and stopped working when it ran out.
    expect(seenTimeouts[1]).toBeLessThanOrEqual(300);
    expect(seenTimeouts[1]).toBeGreaterThan(100);
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelledAt - started).toBeLessThan(600);
  });
});

describe("fallback", () => {
  it("answers with the fallback while the upstream is unhealthy, and not for caller errors", async () => {
    const echo = await countingEcho((n) => ({ failCode: n === 1 ? Code.InvalidArgument : Code.Unavailable }));
    const client = caller(echo.port, {
      retryPolicy: { maxAttempts: 1 },
      fallbacks: { echo: (method) => (method.endsWith("/Echo") ? { payload: new TextEncoder().encode("cached"), servedBy: "fallback" } : undefined) },
    }).client(EchoService, "echo");
    expect((await failure(client.echo({})))?.code).toBe(Code.InvalidArgument);
    const answer = await client.echo({});
    expect(answer.servedBy).toBe("fallback");
    expect(new TextDecoder().decode(answer.payload)).toBe("cached");
  });
});
