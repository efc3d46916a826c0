import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ServiceImpl } from "@connectrpc/connect";
import { EchoService } from "@chaos/gen/chaos/echo/v1/echo_service_pb.js";
import { createEchoHandlers } from "../../services/echo/handlers/echo.js";
import {
  createAuthorizer,
  createLogger,
  createMeshRuntime,
  ensureLocalPki,
  loadMeshConfig,
  parsePolicy,
  registration,
  type MeshAddresses,
  type MeshRuntime,
  type MeshServer,
  type MeshRuntimeOptions,
  type MeshServerOptions,
} from "../src/index.js";

/** Workloads the test PKI issues SVIDs for. */
export const workloads = ["echo", "gateway", "combat", "relay"] as const;

/** Test policy: gateway and relay may call echo; relay may be called by gateway; combat may call nothing. */
export const testPolicy = parsePolicy({
  trustDomain: "chaos.world",
  namespace: "chaos",
  services: {
    echo: { allow: [{ callers: ["gateway", "relay"], methods: ["/chaos.echo.v1.EchoService/*"] }] },
    relay: { allow: [{ callers: ["gateway"], methods: ["/chaos.echo.v1.EchoService/Echo"] }] },
  },
});

/** A temporary PKI shared by one test file. */
export async function createTestPki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaos-pki-"));
  return ensureLocalPki(dir, [...workloads]);
}

/** A runtime for workload `name` using the test PKI, quiet logs, and `addresses` for discovery. */
export function testRuntime(
  name: string,
  pkiDir: string,
  addresses: Record<string, number>,
  overrides: Omit<MeshRuntimeOptions, "config" | "discovery"> = {},
): MeshRuntime {
  return createMeshRuntime(name, {
    config: { ...loadMeshConfig({}), pkiDir, svidRefreshMs: 200 },
    discovery: {
      resolve: (service) => {
        const port = addresses[service];
        if (port === undefined) throw new Error(`no test address for ${service}`);
        return { internal: `127.0.0.1:${port}` };
      },
    },
    authorizer: createAuthorizer(testPolicy),
    logger: createLogger(name, "silent"),
    ...overrides,
  });
}

/** Starts an echo server (or another EchoService impl) as workload `name`. */
export async function startEcho(
  name: string,
  pkiDir: string,
  options: {
    impl?: Partial<ServiceImpl<typeof EchoService>>;
    edge?: boolean;
    limits?: MeshServerOptions["limits"];
    addresses?: Record<string, number>;
    tokenVerifier?: MeshServerOptions["tokenVerifier"];
    tracing?: MeshRuntimeOptions["tracing"];
  } = {},
): Promise<{ runtime: MeshRuntime; server: MeshServer; addresses: MeshAddresses }> {
  const runtime = testRuntime(name, pkiDir, options.addresses ?? {}, { tracing: options.tracing });
  const server = runtime.createServer({
    services: [registration(EchoService, options.impl ?? createEchoHandlers(name))],
    edge: options.edge === true ? { port: 0, allowedOrigins: ["http://console.test"] } : undefined,
    limits: options.limits,
    tokenVerifier: options.tokenVerifier,
  });
  const addresses = await server.start();
  return { runtime, server, addresses };
}
