import http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { HealthCheckRequestSchema, HealthCheckResponse_ServingStatus, Health } from "@chaos/gen/grpc/health/v1/health_pb.js";
import { BadRequestSchema } from "@chaos/gen/google/rpc/error_details_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import { errorInfoOf, type MeshAddresses, type MeshRuntime, type MeshServer } from "../src/index.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

let pkiDir: string;
let echo: { runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses };
let gateway: MeshRuntime;
let combat: MeshRuntime;

beforeAll(async () => {
  pkiDir = (await createTestPki()).dir;
  const handlers = createEchoHandlers("echo-1");
  echo = await startEcho("echo", pkiDir, {
    edge: true,
    limits: { maxDeadlineMs: 1_500 },
    impl: {
      ...handlers,
      async echo(request, context) {
        if (new TextDecoder().decode(request.payload) === "explode") throw new Error("db password is hunter2");
        return handlers.echo(request, context);
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

describe("internal face (grpc-js, mTLS)", () => {
  it("serves a typed Connect client over mTLS and tells the handler who called", async () => {
    const client = gateway.client(EchoService, "echo");
    const response = await client.echo({ payload: bytes("fireball") });
    expect(new TextDecoder().decode(response.payload)).toBe("fireball");
    expect(response.servedBy).toBe("echo-1");
    const who = await client.whoAmI({});
    expect(who.caller).toBe("spiffe://chaos.world/ns/chaos/sa/gateway");
    expect(who.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("streams server-streaming responses in order", async () => {
    const received: number[] = [];
    for await (const item of gateway.client(EchoService, "echo").echoStream({ payload: bytes("x"), count: 5 })) {
      received.push(item.index);
    }
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it("refuses a caller the policy does not allow with PERMISSION_DENIED", async () => {
    const error = await combat.client(EchoService, "echo").echo({ payload: bytes("x") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.PermissionDenied);
    expect((error as ConnectError).rawMessage).toContain("combat may not call /chaos.echo.v1.EchoService/Echo");
  });

  it("rejects an invalid request with INVALID_ARGUMENT and the field violations", async () => {
    const error = (await consume(gateway.client(EchoService, "echo").echoStream({ count: 0 })).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.InvalidArgument);
    const [badRequest] = error.findDetails(BadRequestSchema);
    expect(badRequest?.fieldViolations.map((v) => v.field)).toEqual(["count"]);
  });

  it("carries the handler's ErrorInfo reason to the client", async () => {
    const error = (await gateway.client(EchoService, "echo").echo({ failCode: Code.FailedPrecondition }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(errorInfoOf(error)).toEqual({ reason: "ERROR_REASON_REQUESTED_FAILURE", domain: "echo.chaos.world", metadata: {} });
  });

  it("turns an unexpected exception into INTERNAL without leaking its message", async () => {
    const error = (await gateway.client(EchoService, "echo").echo({ payload: bytes("explode") }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("internal error");
    expect(JSON.stringify(error)).not.toContain("hunter2");
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const error = (await gateway.client(EchoService, "echo").echo({ delayMs: 2_000 }, { timeoutMs: 150 }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("shortens a deadline above the server's maximum to the maximum", async () => {
    const started = Date.now();
    const error = (await gateway.client(EchoService, "echo").echo({ delayMs: 4_000 }, { timeoutMs: 30_000 }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("answers grpc.health.v1 Check: SERVING for the server and its services, NOT_FOUND for unknown ones", async () => {
    const health = gateway.client(Health, "echo");
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check(create(HealthCheckRequestSchema, { service: "chaos.echo.v1.EchoService" }))).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const error = (await health.check({ service: "chaos.nope.v1.NopeService" }).catch((e: unknown) => e)) as ConnectError;
    expect(error.code).toBe(Code.NotFound);
  });
});

describe("edge face (connect-node)", () => {
  const edgeUrl = () => `http://127.0.0.1:${echo.addresses.edgeHttp1Port}`;
  const edgeH2Url = () => `http://127.0.0.1:${echo.addresses.edgePort}`;

  it.each([
    ["Connect over HTTP/1.1", () => createConnectTransport({ baseUrl: edgeUrl(), httpVersion: "1.1" })],
    ["Connect over HTTP/2", () => createConnectTransport({ baseUrl: edgeH2Url(), httpVersion: "2" })],
    ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl: edgeUrl(), httpVersion: "1.1" })],
    ["gRPC-Web over HTTP/2", () => createGrpcWebTransport({ baseUrl: edgeH2Url(), httpVersion: "2" })],
    ["gRPC over HTTP/2", () => createGrpcTransport({ baseUrl: edgeH2Url() })],
  ])("serves the same handlers over %s", async (_name, transport) => {
    const client = createClient(EchoService, transport());
    // A deadline, as gRPC clients always send one: above the server's maximum it is shortened, not refused.
    const response = await client.echo({ payload: bytes("frost") }, { timeoutMs: 20_000 });
    expect(new TextDecoder().decode(response.payload)).toBe("frost");
    expect((await client.whoAmI({})).caller).toBe("");
  });

  it("runs the same validation and error mapping as the internal face", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: edgeUrl(), httpVersion: "1.1" }));
    const invalid = (await consume(client.echoStream({ count: 0 })).catch((e: unknown) => e)) as ConnectError;
    expect(invalid.code).toBe(Code.InvalidArgument);
    expect(invalid.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("count");
    const internal = (await client.echo({ payload: bytes("explode") }).catch((e: unknown) => e)) as ConnectError;
    expect(internal.code).toBe(Code.Internal);
    expect(internal.rawMessage).toBe("internal error");
  });

  const echoPath = "/chaos.echo.v1.EchoService/Echo";
  /** Edge calls of Echo counted with `code` so far. */
  const edgeCalls = async (code: string) =>
    (await echo.server.metrics.serverCalls.get()).values.find((v) => v.labels.face === "edge" && v.labels.method === echoPath && v.labels.code === code)?.value ?? 0;
  // A length-delimited field 1 of 5 bytes, followed by none: no protobuf parser accepts it.
  const garbage = new Uint8Array([0x0a, 0x05, 0x01]);

  it("answers a binary body that is not the request message with INVALID_ARGUMENT and a plain message, logged and counted (Connect)", async () => {
    const before = await edgeCalls("InvalidArgument");
    const response = await fetch(`${edgeUrl()}${echoPath}`, { method: "POST", headers: { "content-type": "application/proto" }, body: garbage });
    const body = (await response.json()) as { code: string; message: string };
    expect({ status: response.status, code: body.code }).toEqual({ status: 400, code: "invalid_argument" });
    expect(body.message).toBe("request is not a valid chaos.echo.v1.EchoRequest");
    expect(await edgeCalls("InvalidArgument")).toBe(before + 1);
  });

  it("answers the same over gRPC, in the grpc-status trailer", async () => {
    const before = await edgeCalls("InvalidArgument");
    const session = http2.connect(edgeH2Url());
    try {
      const trailers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": echoPath, "content-type": "application/grpc", te: "trailers" });
        let headers: http2.IncomingHttpHeaders = {};
        stream.on("response", (h) => (headers = h));
        stream.on("trailers", resolve);
        stream.on("error", reject);
        // A trailers-only answer carries the status in its headers.
        stream.on("end", () => resolve(headers));
        stream.resume();
        const envelope = new Uint8Array(5 + garbage.length);
        new DataView(envelope.buffer).setUint32(1, garbage.length);
        envelope.set(garbage, 5);
        stream.end(envelope);
      });
      expect({ status: trailers["grpc-status"], message: decodeURIComponent(String(trailers["grpc-message"])) }).toEqual({
        status: String(Code.InvalidArgument),
        message: "request is not a valid chaos.echo.v1.EchoRequest",
      });
    } finally {
      session.close();
    }
    expect(await edgeCalls("InvalidArgument")).toBe(before + 1);
  });

  it.each([
    ["gRPC-Web (trailer frame)", "application/grpc-web+proto", echoPath],
    ["Connect streaming (end-stream message)", "application/connect+proto", "/chaos.echo.v1.EchoService/EchoStream"],
  ])("answers the same over %s", async (_name, contentType, path) => {
    const counted = async () =>
      (await echo.server.metrics.serverCalls.get()).values.find((v) => v.labels.face === "edge" && v.labels.method === path && v.labels.code === "InvalidArgument")?.value ?? 0;
    const before = await counted();
    const envelope = new Uint8Array(5 + garbage.length);
    new DataView(envelope.buffer).setUint32(1, garbage.length);
    envelope.set(garbage, 5);
    const response = await fetch(`${edgeUrl()}${path}`, { method: "POST", headers: { "content-type": contentType }, body: envelope });
    const text = decodeURIComponent(Buffer.from(await response.arrayBuffer()).subarray(5).toString());
    expect(text).toMatch(contentType.includes("grpc-web") ? /grpc-status: ?3\b/ : /"code":"invalid_argument"/);
    expect(text).toContain(`request is not a valid chaos.echo.v1.${path.endsWith("Stream") ? "EchoStreamRequest" : "EchoRequest"}`);
    expect(text).not.toContain("parse binary");
    expect(await counted()).toBe(before + 1);
  });

  it.each([
    ["gRPC-Web", "application/grpc-web+proto", /grpc-status: ?3\b/],
    ["Connect streaming", "application/connect+proto", /"code":"invalid_argument"/],
  ])("answers a message flagged compressed with no encoding named with INVALID_ARGUMENT (%s), not INTERNAL", async (_name, contentType, expected) => {
    const path = contentType.includes("connect") ? "/chaos.echo.v1.EchoService/EchoStream" : echoPath;
    // Flag 1 (compressed) on an envelope of a request that names no grpc-encoding / connect-content-encoding.
    const envelope = new Uint8Array([1, 0, 0, 0, 0]);
    const response = await fetch(`${edgeUrl()}${path}`, { method: "POST", headers: { "content-type": contentType }, body: envelope });
    const text = decodeURIComponent(Buffer.from(await response.arrayBuffer()).subarray(5).toString());
    expect(text).toMatch(expected);
    expect(text).toContain("flagged compressed, but the request names no encoding");
  });

  it("answers a body that does not decompress with the encoding it names with INVALID_ARGUMENT (HTTP 400), not INTERNAL", async () => {
    // Four bytes that no brotli stream starts with.
    const response = await fetch(`${edgeUrl()}${echoPath}`, { method: "POST", headers: { "content-type": "application/proto", "content-encoding": "br" }, body: new Uint8Array([0x52, 0x9e, 0xf5, 0x3a]) });
    const body = (await response.json()) as { code: string; message: string };
    expect({ status: response.status, code: body.code, message: body.message }).toEqual({ status: 400, code: "invalid_argument", message: "the request does not decompress with the encoding it names" });
  });

  it("answers an oversize message with RESOURCE_EXHAUSTED (HTTP 429, as the Connect protocol maps it), logged and counted", async () => {
    const before = await edgeCalls("ResourceExhausted");
    const response = await fetch(`${edgeUrl()}${echoPath}`, { method: "POST", headers: { "content-type": "application/proto" }, body: new Uint8Array(4 * 1024 * 1024 + 1) });
    const body = (await response.json()) as { code: string };
    expect({ status: response.status, code: body.code }).toEqual({ status: 429, code: "resource_exhausted" });
    expect(await edgeCalls("ResourceExhausted")).toBe(before + 1);
  });

  it("answers CORS preflights for allowed origins only", async () => {
    const preflight = (origin: string) =>
      fetch(`${edgeUrl()}/chaos.echo.v1.EchoService/Echo`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version" },
      });
    const allowed = await preflight("http://console.test");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://console.test");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("Connect-Protocol-Version");
    const other = await preflight("http://evil.test");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("operator endpoints", () => {
  it("exports Prometheus metrics per method and serves probes", async () => {
    const base = `http://127.0.0.1:${echo.addresses.adminPort}`;
    await gateway.client(EchoService, "echo").echo({});
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/chaos_server_calls_total\{[^}]*method="\/chaos\.echo\.v1\.EchoService\/Echo"[^}]*code="OK"[^}]*\} [1-9]/);
    expect(metrics).toContain("chaos_server_call_duration_seconds_bucket");
    expect(metrics).toContain("chaos_circuit_breaker_state");
    // A stream's time open is kept apart from call latency, which the latency objectives are about.
    const countOf = (text: string, histogram: string) =>
      [...text.matchAll(new RegExp(`^${histogram}_count\\{[^}]*method="/chaos\\.echo\\.v1\\.EchoService/EchoStream"[^}]*\\} (\\d+)$`, "gm"))].reduce((sum, m) => sum + Number(m[1]), 0);
    await consume(gateway.client(EchoService, "echo").echoStream({ count: 2 }));
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(countOf(after, "chaos_server_stream_duration_seconds")).toBe(countOf(metrics, "chaos_server_stream_duration_seconds") + 1);
    expect(countOf(after, "chaos_server_call_duration_seconds")).toBe(countOf(metrics, "chaos_server_call_duration_seconds"));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});

async function consume<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}
