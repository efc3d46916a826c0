/**
 * The mesh's cost per call, next to its baselines, in one run: raw
 * node:http2 (the floor), bare grpc-js, bare connect-node, the mesh's
 * internal face (mTLS, authorization, metrics, tracing, validation) and its
 * edge face (same chain minus workload authorization). Each server runs alone
 * on CPU 0, ghz on CPU 1. Before the load, a real client call checks the echo.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createAuthorizer, createLogger, createMeshRuntime, ensureLocalPki, loadMeshConfig, parsePolicy } from "@chaos/mesh";
import { repoRoot } from "../scripts/infra/config.js";
import { run } from "../scripts/infra/proc.js";
import { ensureGhz, runGhz, type ClientTls, type LoadResult } from "./ghz.js";
import { startBenchServer } from "./servers/ready.js";
import { cpuTicks } from "./cpu.js";

export interface MeshBenchRow {
  readonly server: string;
  readonly payload: string;
  readonly peak: LoadResult;
  readonly serial: LoadResult;
  readonly cpuUsPerCall: number;
}

const payloads = {
  "tiny (9 B)": Buffer.from("fireball!"),
  "300 B": Buffer.from("x".repeat(300)),
};


export async function runMeshBench(seconds = { peak: 5, serial: 4 }): Promise<MeshBenchRow[]> {
  const ghz = await ensureGhz();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-bench-"));
  const protoset = path.join(scratch, "echo.binpb");
  await run(path.join(repoRoot, "node_modules", ".bin", "buf"), ["build", "proto", "--path", "proto/chaos/echo", "-o", protoset], { cwd: repoRoot });
  const pki = await ensureLocalPki(path.join(scratch, "pki"), ["echo", "gateway"]);
  const gatewayTls: ClientTls = { ca: pki.paths("gateway").bundle, cert: pki.paths("gateway").cert, key: pki.paths("gateway").key };
  const clk = Number((await run("getconf", ["CLK_TCK"])).trim());

  const targets: Array<{ name: string; script: string; face?: "internal" | "edge" }> = [
    { name: "raw node:http2 (floor)", script: "raw-http2.ts" },
    { name: "bare grpc-js", script: "bare-grpc-js.ts" },
    { name: "bare connect-node", script: "bare-connect-node.ts" },
    { name: "mesh internal face (mTLS + full chain)", script: "mesh-echo.ts", face: "internal" },
    { name: "mesh edge face (full chain)", script: "mesh-echo.ts", face: "edge" },
  ];
  const rows: MeshBenchRow[] = [];
  for (const target of targets) {
    const server = await startBenchServer(target.script, { CHAOS_PKI_DIR: pki.dir }, 0);
    const port = target.face === "edge" ? server.edgePort! : server.port;
    const tls = target.face === "internal" ? gatewayTls : undefined;
    try {
      await checkEcho(port, target.face === "internal" ? pki.dir : undefined);
      for (const [payloadName, payload] of Object.entries(payloads)) {
        const base = { port, protoset, payloadBase64: payload.toString("base64"), tls };
        runGhz(ghz, { ...base, concurrency: 50, connections: 2, seconds: 4 }); // warm-up: JIT and connections (2 s left the mesh visibly colder than its baselines)
        const before = cpuTicks(server.child.pid!);
        const peak = runGhz(ghz, { ...base, concurrency: 50, connections: 2, seconds: seconds.peak });
        const cpuUsPerCall = ((cpuTicks(server.child.pid!) - before) / clk) * 1e6 / Math.max(1, peak.count);
        const serial = runGhz(ghz, { ...base, concurrency: 1, connections: 1, seconds: seconds.serial });
        rows.push({ server: target.name, payload: payloadName, peak, serial, cpuUsPerCall });
        console.log(`[bench] ${target.name}, ${payloadName}: ${peak.rps.toFixed(0)} rps peak, serial p50 ${serial.p50Us.toFixed(0)} µs p99 ${serial.p99Us.toFixed(0)} µs, ${cpuUsPerCall.toFixed(0)} µs CPU/call, errors ${peak.errors + serial.errors}`);
      }
    } finally {
      server.child.kill("SIGKILL");
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  return rows;
}

/** One real call through a real client, checking the payload comes back unchanged. */
async function checkEcho(port: number, pkiDir: string | undefined): Promise<void> {
  const payload = Buffer.from("check-payload");
  let received: Uint8Array;
  if (pkiDir === undefined) {
    received = (await createClient(EchoService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` })).echo({ payload })).payload;
  } else {
    const gateway = createMeshRuntime("gateway", {
      config: { ...loadMeshConfig({}), pkiDir },
      discovery: { resolve: () => ({ internal: `127.0.0.1:${port}` }) },
      authorizer: createAuthorizer(parsePolicy({ trustDomain: "chaos.world", namespace: "chaos", services: {} })),
      logger: createLogger("bench-check", "silent"),
    });
    try {
      received = (await gateway.client(EchoService, "echo").echo({ payload })).payload;
    } finally {
      await gateway.close();
    }
  }
  if (!Buffer.from(received).equals(payload)) throw new Error(`echo on port ${port} returned a different payload`);
}
