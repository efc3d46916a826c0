import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "@chaos/gen/grpc/health/v1/health_pb.js";
import { createTestPki, startEcho, testRuntime } from "./harness.js";

describe("grpc.health.v1 Watch", () => {
  it("streams SERVING, then NOT_SERVING the moment shutdown starts; unknown services are SERVICE_UNKNOWN", async () => {
    const pkiDir = (await createTestPki()).dir;
    const echo = await startEcho("echo", pkiDir, { limits: { shutdownGraceMs: 1_000 } });
    const gateway = testRuntime("gateway", pkiDir, { echo: echo.addresses.internalPort });
    try {
      const health = gateway.client(Health, "echo");
      const unknown = health.watch({ service: "chaos.nope.v1.NopeService" }, { timeoutMs: 5_000 })[Symbol.asyncIterator]();
      expect((await unknown.next()).value?.status).toBe(HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN);
      await unknown.return?.();

      const seen: HealthCheckResponse_ServingStatus[] = [];
      const watching = (async () => {
        for await (const update of health.watch({ service: "chaos.echo.v1.EchoService" }, { timeoutMs: 5_000 })) {
          seen.push(update.status);
          if (update.status === HealthCheckResponse_ServingStatus.SERVING) void echo.server.shutdown();
        }
      })().catch(() => undefined);
      await watching;
      expect(seen.slice(0, 2)).toEqual([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
    } finally {
      await gateway.close();
      await echo.server.shutdown();
      await echo.runtime.close();
    }
  });
});
