import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { BadRequestSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import type { MeshAddresses, MeshRuntime, MeshServer } from "../src/index.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

/** Messages up to 96 KiB: above the contract's 64 KiB payload rule, so the limit and validation can be told apart. */
const maxMessageBytes = 96 * 1024;
/** The server's deadline cap: a stream asking for more is ended by the server at this point. */
const maxDeadlineMs = 1_000;

let pkiDir: string;
let echo: { runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses };
let gateway: MeshRuntime;
let combat: MeshRuntime;
let handlerSignals: AbortSignal[] = [];

beforeAll(async () => {
  pkiDir = (await createTestPki()).dir;
  const handlers = createEchoHandlers("echo-1");
  echo = await startEcho("echo", pkiDir, {
    edge: true,
    // A client still sending into a call that has ended keeps its HTTP/2 stream open: the grace period bounds shutdown.
    limits: { maxMessageBytes, maxDeadlineMs, shutdownGraceMs: 1_000 },
    impl: {
      ...handlers,
      echoClientStream(requests, context) {
        handlerSignals.push(context.signal);
        return handlers.echoClientStream(requests, context);
      },
    },
  });
  gateway = testRuntime("gateway", pkiDir, { echo: echo.addresses.internalPort });
  combat = testRuntime("combat", pkiDir, { echo: echo.addresses.internalPort });
});

afterAll(async () => {
  gateway?.close();
  combat?.close();
  await echo?.server.shutdown();
  echo?.runtime.close();
});

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as ConnectError);

describe("every kind of method through the internal face (mesh client, mTLS)", () => {
  const client = () => gateway.client(EchoService, "echo");

  it("serves unary, server-, client- and bidi-streaming calls, observing each call once", async () => {
    const before = await serverCalls();
    expect(text((await client().echo({ payload: bytes("fireball") })).payload)).toBe("fireball");
    expect((await consume(client().echoStream({ payload: bytes("x"), count: 3 }))).map((r) => r.index)).toEqual([0, 1, 2]);
    const collected = await client().echoClientStream(paced(["frost", "bolt", "!"]));
    expect({ payload: text(collected.payload), count: collected.count, servedBy: collected.servedBy }).toEqual({ payload: "frostbolt!", count: 3, servedBy: "echo-1" });
    const echoed = await consume(client().echoBidi(paced(["a", "b", "c"])));
    expect(echoed.map((r) => [r.index, text(r.payload)])).toEqual([[0, "a"], [1, "b"], [2, "c"]]);
    const after = await serverCalls();
    for (const method of ["Echo", "EchoStream", "EchoClientStream", "EchoBidi"]) expect({ method, calls: after[method]! - (before[method] ?? 0) }).toEqual({ method, calls: 1 });
  });

  it("streams both ways at once: each answer arrives before the next request is sent", async () => {
    await expectFullDuplex(client());
  });

  it("ends a client stream at a bad message in the middle with INVALID_ARGUMENT and the field", async () => {
    const error = await failure(client().echoClientStream(paced(["ok", "ok", "x".repeat(70_000), "never read"])));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toContain("invalid request message 3 of the stream: payload");
    expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual(["payload"]);
  });

  it("answers a bidi stream up to a bad message, which the handler never sees", async () => {
    const answers: number[] = [];
    const error = await failure(
      (async () => {
        for await (const answer of client().echoBidi(paced(["ok", "ok", "x".repeat(70_000), "never read"]))) answers.push(answer.index);
      })(),
    );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(answers).toEqual([0, 1]);
  });

  it("limits each message of a stream, not the stream: many large messages pass, one too large is RESOURCE_EXHAUSTED", async () => {
    const large = "x".repeat(60 * 1024);
    const echoed = await consume(client().echoBidi(paced([large, large, large])));
    expect(echoed.length).toBe(3);
    const error = await failure(consume(client().echoBidi(paced([large, "x".repeat(100 * 1024)]))));
    expect(error?.code).toBe(Code.ResourceExhausted);
  });

  it("ends a long stream at the caller's deadline with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const error = await failure(consume(client().echoBidi(endless(50), { timeoutMs: 300 })));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("ends a client stream that goes quiet at the server's deadline, and tells the handler", async () => {
    handlerSignals = [];
    const started = Date.now();
    const error = await failure(client().echoClientStream(quietAfter("hello"), { timeoutMs: 30_000 }));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(maxDeadlineMs - 100);
    expect(Date.now() - started).toBeLessThan(maxDeadlineMs + 1_500);
    expect(handlerSignals.map((s) => s.aborted)).toEqual([true]);
  });

  it("refuses streams from a caller the policy does not allow with PERMISSION_DENIED", async () => {
    const refused = combat.client(EchoService, "echo");
    const clientStream = await failure(refused.echoClientStream(paced(["x"])));
    expect(clientStream?.code).toBe(Code.PermissionDenied);
    expect(clientStream?.rawMessage).toContain("combat may not call /chaos.echo.v1.EchoService/EchoClientStream");
    expect((await failure(consume(refused.echoBidi(paced(["x"])))))?.code).toBe(Code.PermissionDenied);
  });
});

describe("every kind of method through the edge face (connect-node)", () => {
  const http1 = () => `http://127.0.0.1:${echo.addresses.edgeHttp1Port}`;
  const http2 = () => `http://127.0.0.1:${echo.addresses.edgePort}`;
  const protocols: Array<[string, () => Transport, { bidi: boolean }]> = [
    ["gRPC over HTTP/2", () => createGrpcTransport({ baseUrl: http2() }), { bidi: true }],
    ["Connect over HTTP/2", () => createConnectTransport({ baseUrl: http2(), httpVersion: "2" }), { bidi: true }],
    // HTTP/1.1 cannot stream both ways at once: Connect has no bidi there.
    ["Connect over HTTP/1.1", () => createConnectTransport({ baseUrl: http1(), httpVersion: "1.1" }), { bidi: false }],
  ];

  it.each(protocols)("serves every kind the protocol allows over %s", async (_name, transport, { bidi }) => {
    const client = createClient(EchoService, transport());
    expect(text((await client.echo({ payload: bytes("frost") })).payload)).toBe("frost");
    expect((await consume(client.echoStream({ payload: bytes("x"), count: 2 }))).map((r) => r.index)).toEqual([0, 1]);
    const collected = await client.echoClientStream(paced(["ice", "bolt"]));
    expect([text(collected.payload), collected.count]).toEqual(["icebolt", 2]);
    if (bidi) await expectFullDuplex(client);
  });

  it("runs the same validation on every message of a client stream", async () => {
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: http2() }));
    const error = await failure(client.echoClientStream(paced(["ok", "x".repeat(70_000)])));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual(["payload"]);
  });

  it("limits each message and ends a long stream at its deadline", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: http2(), httpVersion: "2" }));
    const large = "x".repeat(60 * 1024);
    expect((await consume(client.echoBidi(paced([large, large])))).length).toBe(2);
    expect((await failure(consume(client.echoBidi(paced([large, "x".repeat(100 * 1024)])))))?.code).toBe(Code.ResourceExhausted);
    const started = Date.now();
    const error = await failure(consume(client.echoBidi(endless(50), { timeoutMs: 30_000 })));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(maxDeadlineMs + 1_500);
  });
});

describe("retries of streams (gRFC A6)", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** An echo server whose streams fail with UNAVAILABLE as `fail` says; counts the attempts reaching it. */
  async function flakyEcho(fail: (attempt: number) => "before" | "after" | undefined) {
    const handlers = createEchoHandlers("flaky");
    let attempts = 0;
    const unavailable = () => new ConnectError("draining", Code.Unavailable);
    const started = await startEcho("echo", pkiDir, {
      impl: {
        ...handlers,
        async *echoStream(request, context) {
          const when = fail(++attempts);
          if (when === "before") throw unavailable();
          yield* handlers.echoStream(request, context);
          if (when === "after") throw unavailable();
        },
        async *echoBidi(requests, context) {
          const when = fail(++attempts);
          if (when === "before") throw unavailable();
          for await (const answer of handlers.echoBidi(requests, context)) {
            yield answer;
            if (when === "after") throw unavailable();
          }
        },
      },
    });
    const caller = testRuntime("gateway", pkiDir, { echo: started.addresses.internalPort }, { retryPolicy: { maxAttempts: 3, initialBackoffMs: 10 } });
    cleanup.push(async () => {
      caller.close();
      await started.server.shutdown();
      started.runtime.close();
    });
    const client = caller.client(EchoService, "echo");
    // A connected channel, so the first attempt's refusal arrives well before a slow caller's first message.
    await client.echo({});
    return { client, attempts: () => attempts };
  }

  it("retries a server stream that failed before its first response message, and never after it", async () => {
    const early = await flakyEcho((n) => (n === 1 ? "before" : undefined));
    expect((await consume(early.client.echoStream({ payload: bytes("x"), count: 2 }))).length).toBe(2);
    expect(early.attempts()).toBe(2);

    const late = await flakyEcho(() => "after");
    const received: number[] = [];
    const error = await failure(
      (async () => {
        for await (const item of late.client.echoStream({ payload: bytes("x"), count: 2 })) received.push(item.index);
      })(),
    );
    expect(error?.code).toBe(Code.Unavailable);
    expect(received).toEqual([0, 1]);
    expect(late.attempts()).toBe(1);
  });

  it("retries a bidi stream refused before the caller sent anything, with the message it was waiting for", async () => {
    const echo = await flakyEcho((n) => (n === 1 ? "before" : undefined));
    const answers = await consume(echo.client.echoBidi(paced(["late", "later"], 300)));
    expect(answers.map((a) => text(a.payload))).toEqual(["late", "later"]);
    expect(echo.attempts()).toBe(2);
  });

  it("never retries a bidi stream once it sent a message", async () => {
    const echo = await flakyEcho(() => "after");
    const error = await failure(consume(echo.client.echoBidi(paced(["one", "two"]))));
    expect(error?.code).toBe(Code.Unavailable);
    expect(echo.attempts()).toBe(1);
  });
});

/** Checks that answers flow while the request stream is open: request n+1 is sent only after answer n arrived. */
async function expectFullDuplex(client: Client<typeof EchoService>): Promise<void> {
  let answered = () => {};
  async function* requests() {
    for (let i = 0; i < 3; i++) {
      const arrived = new Promise<void>((resolve) => (answered = resolve));
      yield { payload: bytes(`m${i}`) };
      await arrived;
    }
  }
  const answers: string[] = [];
  for await (const answer of client.echoBidi(requests(), { timeoutMs: 5_000 })) {
    answers.push(text(answer.payload));
    answered();
  }
  expect(answers).toEqual(["m0", "m1", "m2"]);
}

/** Request messages with these payloads, the first after `firstDelayMs`. */
async function* paced(payloads: readonly string[], firstDelayMs = 0) {
  if (firstDelayMs > 0) await sleep(firstDelayMs);
  for (const payload of payloads) yield { payload: bytes(payload) };
}

/** A request stream that never ends: one message every `intervalMs`. */
async function* endless(intervalMs: number) {
  for (;;) {
    yield { payload: bytes("tick") };
    await sleep(intervalMs);
  }
}

/** One message, then silence for longer than any deadline of these tests. */
async function* quietAfter(payload: string) {
  yield { payload: bytes(payload) };
  await sleep(3_000);
}

async function serverCalls(): Promise<Record<string, number>> {
  const metric = await echo.server.metrics.registry.getSingleMetric("chaos_server_calls_total")!.get();
  const calls: Record<string, number> = {};
  for (const { labels, value } of metric.values) {
    const method = String(labels.method).split("/").pop()!;
    if (labels.face === "internal") calls[method] = (calls[method] ?? 0) + value;
  }
  return calls;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function consume<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}
