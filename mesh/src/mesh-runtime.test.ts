import net from "node:net";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createMeshRuntime } from "./mesh-runtime.js";
import { createTracing } from "./observability/tracing.js";

/** A loopback port nothing listens on (bound, then let go). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the mesh runtime", () => {
  it("closes when the trace collector is away, giving up the buffered spans with a warning", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const name = "tracing-runtime-test";
    const runtime = createMeshRuntime(name, {
      logger,
      tracing: createTracing(name, { otlpEndpoint: `http://127.0.0.1:${await closedPort()}` }),
      discovery: { resolve: () => ({ internal: "127.0.0.1:1" }) },
    });
    runtime.tracing.tracer.startSpan("a call").end();
    // A service's shutdown awaits this: had it thrown, the process would exit 1 on SIGTERM for want of a collector.
    await expect(runtime.close()).resolves.toBeUndefined();
    expect(lines.join("")).toContain("trace collector");
  });
});
