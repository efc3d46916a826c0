import fs from "node:fs";
import path from "node:path";
import { port, repoRoot } from "./config.js";
import { goBuild } from "./go-install.js";
import { portBusyError, portInUse, startChildServer } from "./proc.js";

/**
 * Jaeger, the local trace store the services export their spans to
 * (OTLP/HTTP), with the Jaeger UI to look a call up by its trace id.
 *
 * Built from observability/jaeger, a Go module of its own whose go.mod names
 * Jaeger as a tool (`go get -tool`) and whose go.sum pins every module it
 * needs. Jaeger's own go.mod has replace directives, so `go install
 * module@version` refuses it; a module that requires it builds it as it is
 * released. The first build downloads about 2 GB of modules and compiles for
 * some minutes; later builds are a link from Go's caches.
 */
const toolsDir = path.join(repoRoot, "observability", "jaeger");
const configFile = path.join(toolsDir, "config.yaml");
const jaegerPackage = "github.com/jaegertracing/jaeger/cmd/jaeger";

/** The four loopback ports a Jaeger listens on. */
export interface JaegerPorts {
  /** The UI and its HTTP API (/api/traces/<id>). */
  readonly ui: number;
  /** Where spans arrive: OTLP over HTTP (/v1/traces). */
  readonly otlp: number;
  /** The query API over gRPC (jaeger.api_v2.QueryService, and api_v3). */
  readonly queryGrpc: number;
  /** Its health check (/status). */
  readonly health: number;
}

/** The ports npm start gives Jaeger: 56686 (UI, CHAOS_JAEGER_UI_PORT), 54318 (OTLP), 56685 (query gRPC), 53133 (health). */
export function jaegerPortsFromEnv(): JaegerPorts {
  return {
    ui: port("CHAOS_JAEGER_UI_PORT", 56686),
    otlp: port("CHAOS_JAEGER_OTLP_PORT", 54318),
    queryGrpc: port("CHAOS_JAEGER_QUERY_GRPC_PORT", 56685),
    health: port("CHAOS_JAEGER_HEALTH_PORT", 53133),
  };
}

/** A Jaeger this process started. */
export interface RunningJaeger {
  /** http://127.0.0.1:<ui port>: the UI, and its HTTP API under /api. */
  readonly url: string;
  /** The services' OTEL_EXPORTER_OTLP_ENDPOINT: http://127.0.0.1:<otlp port>. */
  readonly otlpEndpoint: string;
  stop(): Promise<void>;
}

/** Builds Jaeger into .chaos/bin once per go.mod and go.sum (a new pin builds again); returns the binary's path. */
export function ensureJaegerBinary(): Promise<string> {
  return goBuild(toolsDir, jaegerPackage, "jaeger", "Jaeger (the local trace store)");
}

/**
 * Starts Jaeger (building it first if needed) with spans in memory, on
 * `ports`, keeping its log in `dir`. Resolves once its query API answers.
 */
export async function startJaeger(ports: JaegerPorts, dir: string): Promise<RunningJaeger> {
  for (const [port, variable] of [[ports.ui, "CHAOS_JAEGER_UI_PORT"], [ports.otlp, "CHAOS_JAEGER_OTLP_PORT"], [ports.queryGrpc, "CHAOS_JAEGER_QUERY_GRPC_PORT"], [ports.health, "CHAOS_JAEGER_HEALTH_PORT"]] as const) {
    if (await portInUse(port)) throw portBusyError(port, "Jaeger", variable);
  }
  const program = await ensureJaegerBinary();
  fs.mkdirSync(dir, { recursive: true });
  const url = `http://127.0.0.1:${ports.ui}`;
  const { stop } = await startChildServer("Jaeger", program, ["--config", configFile], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CHAOS_JAEGER_UI_PORT: String(ports.ui),
      CHAOS_JAEGER_OTLP_PORT: String(ports.otlp),
      CHAOS_JAEGER_QUERY_GRPC_PORT: String(ports.queryGrpc),
      CHAOS_JAEGER_HEALTH_PORT: String(ports.health),
    },
    logFile: path.join(dir, "jaeger.log"),
    readyUrl: `${url}/api/services`,
  });
  return { url, otlpEndpoint: `http://127.0.0.1:${ports.otlp}`, stop };
}
