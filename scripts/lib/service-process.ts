import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { repoRoot } from "../infra/config.js";
import type { ProcessExit, SupervisedProcess } from "./supervisor.js";

/** The ports a service reported in its ready line (see runService). */
export interface ReadyAddresses {
  readonly internalPort: number;
  readonly edgePort?: number;
  readonly edgeHttp1Port?: number;
  readonly adminPort?: number;
}

/** A service running as its own process. */
export interface ServiceProcess extends SupervisedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly ready: ReadyAddresses;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link spawnService}; every field has a documented default. */
export interface SpawnServiceOptions {
  /** The service's environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Every line the service prints other than its ready line. Default: written to this process's stdout. */
  readonly onLine?: (line: string) => void;
  /** How long start-up may take. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts `services/<name>/main.ts` under Node with tsx and resolves once it
 * printed its ready line. Used by `npm start`, the tests and the benchmarks,
 * so all three run services the same way.
 */
export function spawnService(name: string, options: SpawnServiceOptions): Promise<ServiceProcess> {
  const main = path.join(repoRoot, "services", name, "main.ts");
  // NODE_OPTIONS from the project's .npmrc reaches the service through its environment (kafkajs's warning noise).
  const child = spawn(process.execPath, ["--import", "tsx", main], { env: options.env, cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const show = options.onLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  // The last lines, so a service that dies during start-up says why even when its output is not shown.
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    show(line);
  };
  // "close", not "exit": by then every line the process printed has been read, so lastLines() is complete.
  const exited = new Promise<ProcessExit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return (await exited).code;
  };
  readline.createInterface({ input: child.stderr! }).on("line", onLine);
  return new Promise((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      void stop("SIGKILL");
      reject(new Error(`${name} did not report ready within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onStartupExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} during start-up; its last output:\n${recent.join("\n")}`));
    };
    child.once("exit", onStartupExit);
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith('{"ready":')) {
        try {
          const parsed = JSON.parse(line) as { ready?: string } & ReadyAddresses;
          if (parsed.ready === name) {
            clearTimeout(timer);
            child.removeListener("exit", onStartupExit);
            resolve({ name, child, ready: parsed, stop, exited, lastLines: () => [...recent] });
            return;
          }
        } catch {
          // not the ready line after all
        }
      }
      onLine(line);
    });
  });
}
