import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import type { ForeignProcess } from "@chaos/mesh";
import { repoRoot } from "../infra/config.js";
import { onPath, run } from "../infra/proc.js";
import { serviceManifest } from "../infra/services.js";
import { serviceBundle } from "./service-bundle.js";
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
  /** A kept build of a Node service to start (serviceRelease). Default: the current source, built when stale. */
  readonly bundle?: string;
}

/**
 * Starts `services/<name>/main.ts` under Node (as one bundle: serviceBundle), or a foreign
 * workload's program (built first, once per process), and resolves once it
 * printed its ready line. Used by `npm start`, the tests and the benchmarks,
 * so all three run services the same way.
 */
export async function spawnService(name: string, options: SpawnServiceOptions): Promise<ServiceProcess> {
  const foreign = (await serviceManifest(name)).foreign;
  const command = foreign === undefined ? nodeCommand(options.bundle ?? (await serviceBundle(name))) : [await built(name, foreign)];
  return startProcess(name, command, options);
}

/** NODE_OPTIONS from the project's .npmrc reaches the service through its environment (kafkajs's warning noise). */
function nodeCommand(bundle: string): string[] {
  return [process.execPath, "--enable-source-maps", bundle];
}

const builds = new Map<string, Promise<string>>();

/**
 * Builds a foreign workload's program now, if `name` is one (a Node service
 * needs no build): for a test file to build it in a hook of its own, with
 * room for a first build on a fresh machine (module downloads), before its
 * stack starts. The spawns of this process then reuse the build.
 */
export async function buildWorkload(name: string): Promise<void> {
  const foreign = (await serviceManifest(name)).foreign;
  if (foreign !== undefined) await built(name, foreign);
}

/** The foreign workload's program, built by this process once (see ForeignProcess.build); its absolute path. */
function built(name: string, foreign: ForeignProcess): Promise<string> {
  let build = builds.get(name);
  if (build === undefined) {
    build = (async () => {
      const executable = path.join(repoRoot, foreign.executable);
      fs.mkdirSync(path.dirname(executable), { recursive: true });
      const output = `${executable}.${process.pid}.tmp`;
      const [command, ...args] = foreign.build.map((arg) => (arg === "{output}" ? output : arg));
      if (!onPath(command!)) throw new Error(`${command} is needed to build ${name} (${foreign.sourceDir}); install it (Go: 1.24+, on Debian apt-get install -y golang-go)`);
      await run(command!, args, { cwd: path.join(repoRoot, foreign.sourceDir), timeoutMs: 900_000 });
      // A rename, so a program another process is running keeps its file.
      fs.renameSync(output, executable);
      return executable;
    })();
    builds.set(name, build);
    // A failed build is tried again by the next start.
    build.catch(() => builds.delete(name));
  }
  return build;
}

function startProcess(name: string, [program, ...args]: readonly string[], options: SpawnServiceOptions): Promise<ServiceProcess> {
  const child = spawn(program!, args, { env: options.env, cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
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
