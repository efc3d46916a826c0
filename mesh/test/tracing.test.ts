import http from "node:http";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createTracing, type MeshRuntime, type MeshServer } from "../src/index.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

describe("OpenTelemetry traces across hops", () => {
  const exporter = new InMemorySpanExporter();
  const tracingFor = (service: string) => createTracing(service, { spanProcessors: [new SimpleSpanProcessor(exporter)], otlpEndpoint: "" });
  const started: Array<{ server: MeshServer; runtime: MeshRuntime }> = [];
  let gateway: MeshRuntime;

  beforeAll(async () => {
    const pkiDir = (await createTestPki()).dir;
    const echo = await startEcho("echo", pkiDir, { tracing: tracingFor("echo") });
    started.push(echo);
    let upstream: MeshRuntime | undefined;
    const relay = await startEcho("relay", pkiDir, {
      tracing: tracingFor("relay"),
      addresses: { echo: echo.addresses.internalPort },
      impl: { echo: async (request) => upstream!.client(EchoService, "echo").echo(request) },
    });
    upstream = relay.runtime;
    started.push(relay);
    gateway = testRuntime("gateway", pkiDir, { relay: relay.addresses.internalPort }, { tracing: tracingFor("gateway") });
  });

  afterAll(async () => {
    await gateway?.close();
    for (const s of started.reverse()) {
      await s.server.shutdown();
      await s.runtime.close();
    }
  });

  it("links client and server spans of every hop into one trace, continuing the caller's traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await gateway.client(EchoService, "relay").echo({}, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const byKind = (kind: SpanKind, service: string) =>
      spans.find((s) => s.kind === kind && s.resource.attributes["service.name"] === service);
    const gatewayClient = byKind(SpanKind.CLIENT, "gateway");
    const relayServer = byKind(SpanKind.SERVER, "relay");
    const relayClient = byKind(SpanKind.CLIENT, "relay");
    const echoServer = byKind(SpanKind.SERVER, "echo");
    expect(gatewayClient?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(relayServer?.parentSpanContext?.spanId).toBe(gatewayClient?.spanContext().spanId);
    expect(relayClient?.parentSpanContext?.spanId).toBe(relayServer?.spanContext().spanId);
    expect(echoServer?.parentSpanContext?.spanId).toBe(relayClient?.spanContext().spanId);
    expect(echoServer?.name).toBe("chaos.echo.v1.EchoService/Echo");
    expect(echoServer?.attributes["rpc.grpc.status_code"]).toBe(0);
  });
});

describe("OTLP export", () => {
  it("sends spans to the configured collector over OTLP/HTTP", async () => {
    const received: Array<{ path: string; body: string }> = [];
    const collector = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("latin1")));
      req.on("end", () => {
        received.push({ path: req.url ?? "", body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const { port } = collector.address() as { port: number };
    try {
      const tracing = createTracing("exporter-test", { otlpEndpoint: `http://127.0.0.1:${port}` });
      tracing.tracer.startSpan("chaos.echo.v1.EchoService/Echo").end();
      await tracing.shutdown();
      expect(received.map((r) => r.path)).toContain("/v1/traces");
      const body = received.map((r) => r.body).join("");
      expect(body).toContain("exporter-test");
      expect(body).toContain("chaos.echo.v1.EchoService/Echo");
    } finally {
      collector.close();
    }
  });
});
