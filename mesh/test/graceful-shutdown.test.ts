import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { HealthCheckResponse_ServingStatus, Health } from "@chaos/gen/grpc/health/v1/health_pb.js";
import type { MeshRuntime } from "../src/index.js";
import { createTestPki, testRuntime } from "./harness.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
let pkiDir: string;
let child: ChildProcess;
let ports: { internalPort: number; adminPort: number };
let gateway: MeshRuntime;

/** Starts services/echo/main.ts as a real process, the way npm start does. */
async function startEchoProcess(): Promise<void> {
  const policy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chaos-policy-")), "policy.json");
  fs.writeFileSync(policy, JSON.stringify({
    trustDomain: "chaos.world",
    namespace: "chaos",
    services: { echo: { allow: [{ callers: ["gateway"], methods: ["/chaos.echo.v1.EchoService/*"] }] } },
  }));
  child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/echo/main.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env,
      CHAOS_PKI_DIR: pkiDir,
      CHAOS_POLICY: policy,
      CHAOS_INTERNAL_PORT: "0",
      CHAOS_EDGE_PORT: "0",
      CHAOS_ADMIN_PORT: "0",
      CHAOS_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  ports = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`echo exited with ${code} before it was ready`)));
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: string; internalPort: number; adminPort: number };
        if (parsed.ready === "echo") resolve(parsed);
      } catch {
        // not the ready line
      }
    });
  });
}

beforeAll(async () => {
  pkiDir = (await createTestPki()).dir;
  await startEchoProcess();
  gateway = testRuntime("gateway", pkiDir, { echo: ports.internalPort });
}, 60_000);

afterAll(() => {
  gateway?.close();
  if (child.exitCode === null) child.kill("SIGKILL");
});

describe("graceful shutdown on SIGTERM", () => {
  it("finishes every accepted call, refuses new ones, goes NOT_SERVING first, then exits 0", async () => {
    const client = gateway.client(EchoService, "echo");
    const health = gateway.client(Health, "echo");
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    // A steady load of calls that each take 300 ms, so some are in flight when SIGTERM lands.
    const outcomes: Array<Promise<string>> = [];
    const load = setInterval(() => {
      outcomes.push(
        client.echo({ payload: new Uint8Array([7]), delayMs: 300 }, { timeoutMs: 5_000 }).then(
          (r) => (r.payload[0] === 7 ? "ok" : "wrong payload"),
          (e: unknown) => Code[(e as ConnectError).code] ?? "unknown",
        ),
      );
    }, 10);
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 50));
    const readiness = await fetch(`http://127.0.0.1:${ports.adminPort}/readyz`).then((r) => r.status, () => "closed");
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(load);
    const results = await Promise.all(outcomes);
    expect(await exited).toBe(0);

    const ok = results.filter((r) => r === "ok").length;
    const refused = results.filter((r) => r === "Unavailable").length;
    // Every call either completed with the right payload or was refused before it started;
    // none was cut off mid-flight (CANCELLED, INTERNAL, DEADLINE_EXCEEDED...).
    expect(ok + refused).toBe(results.length);
    expect(ok).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(0);
    expect([503, "closed"]).toContain(readiness);
  }, 30_000);
});
