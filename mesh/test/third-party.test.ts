import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGoInteropClient, ensureGoClientTools } from "../../scripts/contracts/toolchain.js";
import type { LocalPki } from "../src/index.js";
import { createTestPki } from "./harness.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
let pki: LocalPki;
let echo: ChildProcess;
let port: number;
let tools: Awaited<ReturnType<typeof ensureGoClientTools>>;
let interop: string;

beforeAll(async () => {
  [pki, tools, interop] = await Promise.all([createTestPki(), ensureGoClientTools(), buildGoInteropClient()]);
  const policy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chaos-policy-")), "policy.json");
  fs.writeFileSync(policy, JSON.stringify({
    trustDomain: "chaos.world",
    namespace: "chaos",
    services: { echo: { allow: [{ callers: ["gateway", "relay"], methods: ["/chaos.echo.v1.EchoService/*"] }] } },
  }));
  echo = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "services/echo/main.ts")], {
    cwd: repoRoot,
    env: { ...process.env, CHAOS_PKI_DIR: pki.dir, CHAOS_POLICY: policy, CHAOS_INTERNAL_PORT: "0", CHAOS_EDGE_PORT: "0", CHAOS_ADMIN_PORT: "0", CHAOS_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  port = await new Promise<number>((resolve, reject) => {
    echo.once("exit", (code) => reject(new Error(`echo exited with ${code}`)));
    readline.createInterface({ input: echo.stdout! }).on("line", (line) => {
      try {
        const ready = JSON.parse(line) as { ready?: string; internalPort: number };
        if (ready.ready === "echo") resolve(ready.internalPort);
      } catch {
        // a log line
      }
    });
  });
}, 900_000);

afterAll(() => {
  echo?.kill("SIGTERM");
});

/** Runs a tool to completion and returns its exit code and output. */
function runTool(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const tls = (service: string) => ["-cacert", pki.paths(service).bundle, "-cert", pki.paths(service).cert, "-key", pki.paths(service).key];

describe("grpcurl (reflection, mTLS with a client SVID)", () => {
  it("lists and describes services without .proto files", () => {
    const list = runTool(tools.grpcurl, [...tls("gateway"), `127.0.0.1:${port}`, "list"]);
    expect(list.code).toBe(0);
    expect(list.out).toContain("chaos.echo.v1.EchoService");
    expect(list.out).toContain("grpc.health.v1.Health");
    const describe = runTool(tools.grpcurl, [...tls("gateway"), `127.0.0.1:${port}`, "describe", "chaos.echo.v1.EchoService"]);
    expect(describe.out).toMatch(/rpc Echo \( \.chaos\.echo\.v1\.EchoRequest \) returns \( \.chaos\.echo\.v1\.EchoResponse \)/);
  });

  it("invokes a method, and the service sees the caller's SPIFFE ID", () => {
    const echoed = runTool(tools.grpcurl, [...tls("gateway"), "-d", '{"payload":"aGVsbG8="}', `127.0.0.1:${port}`, "chaos.echo.v1.EchoService/Echo"]);
    expect(echoed.code).toBe(0);
    expect(JSON.parse(echoed.out).payload).toBe("aGVsbG8=");
    const who = runTool(tools.grpcurl, [...tls("gateway"), `127.0.0.1:${port}`, "chaos.echo.v1.EchoService/WhoAmI"]);
    expect(JSON.parse(who.out).caller).toBe("spiffe://chaos.world/ns/chaos/sa/gateway");
  });

  it("is refused without a client certificate, and with a caller the policy does not allow", () => {
    const anonymous = runTool(tools.grpcurl, ["-connect-timeout", "3", "-cacert", pki.paths("gateway").bundle, `127.0.0.1:${port}`, "chaos.echo.v1.EchoService/Echo"]);
    expect(anonymous.code).not.toBe(0);
    const combat = runTool(tools.grpcurl, [...tls("combat"), `127.0.0.1:${port}`, "chaos.echo.v1.EchoService/Echo"]);
    expect(combat.code).not.toBe(0);
    expect(combat.out).toContain("PermissionDenied");
  });
});

describe("grpc-health-probe (as Kubernetes runs it)", () => {
  const probe = (...extra: string[]) =>
    runTool(tools["grpc-health-probe"], [
      `-addr=127.0.0.1:${port}`, "-tls", `-tls-ca-cert=${pki.paths("gateway").bundle}`,
      `-tls-client-cert=${pki.paths("gateway").cert}`, `-tls-client-key=${pki.paths("gateway").key}`, "-tls-server-name=localhost", ...extra,
    ]);

  it("reports SERVING for the server and its service, and fails for an unknown service", () => {
    const whole = probe();
    expect(whole.code).toBe(0);
    expect(whole.out).toContain("SERVING");
    expect(probe("-service=chaos.echo.v1.EchoService").code).toBe(0);
    expect(probe("-service=chaos.nope.v1.NopeService").code).not.toBe(0);
  });
});

describe("Go client generated from the same protos", () => {
  it.each(["grpc", "connect"])("calls the TypeScript service over mTLS with its own SVID (%s-go)", (mode) => {
    const result = runTool(interop, [
      `-addr=127.0.0.1:${port}`, `-cert=${pki.paths("relay").cert}`, `-key=${pki.paths("relay").key}`, `-ca=${pki.paths("relay").bundle}`,
      `-mode=${mode}`, "-payload=fireball from Go",
    ]);
    expect(result.code, result.out).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ payload: "fireball from Go", served_by: expect.any(String), caller: "spiffe://chaos.world/ns/chaos/sa/relay" });
  });

  it("refuses a server that presents another workload's SVID", () => {
    const result = runTool(interop, [
      `-addr=127.0.0.1:${port}`, `-cert=${pki.paths("relay").cert}`, `-key=${pki.paths("relay").key}`, `-ca=${pki.paths("relay").bundle}`,
      "-expect-spiffe=spiffe://chaos.world/ns/chaos/sa/combat",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.out).toContain("expected exactly spiffe://chaos.world/ns/chaos/sa/combat");
  });
});
