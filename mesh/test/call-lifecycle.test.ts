import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import type { MeshAddresses, MeshRuntime, MeshServer } from "../src/index.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

let echo: { runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses };
let gateway: MeshRuntime;
const signals: AbortSignal[] = [];

beforeAll(async () => {
  const pkiDir = (await createTestPki()).dir;
  const handlers = createEchoHandlers("echo");
  echo = await startEcho("echo", pkiDir, {
    impl: {
      ...handlers,
      async echo(request, context) {
        signals.push(context.signal);
        return handlers.echo(request, context);
      },
    },
  });
  gateway = testRuntime("gateway", pkiDir, { echo: echo.addresses.internalPort });
});

afterAll(async () => {
  await gateway?.close();
  await echo?.server.shutdown();
  await echo?.runtime.close();
});

describe("call lifecycle", () => {
  it("releases each call's deadline timer when the call ends, instead of leaving it to fire later", async () => {
    const client = gateway.client(EchoService, "echo");
    await client.echo({});
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    for (let i = 0; i < 300; i++) await client.echo({});
    expect(timers() - before).toBeLessThan(30);
    const last = signals.at(-1)!;
    expect(last.aborted).toBe(true);
    expect((last.reason as Error).message).toBe("call ended");
  });
});
