import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

/**
 * Runs a command to completion without blocking the event loop (servers are
 * health-checked concurrently); rejects with the tail of its output when it
 * fails or times out.
 */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<string> {
  const { timeoutMs = 120_000, ...rest } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...rest });
    let stdout = "";
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => { stdout += chunk.toString(); output += chunk.toString(); });
    child.stderr?.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const why = signal === "SIGKILL" ? `timed out after ${timeoutMs / 1000} s` : `exited with ${code ?? signal}`;
        reject(new Error(`${command} ${args.join(" ")} ${why}:\n${tail(output.trim(), 30)}`));
      }
    });
  });
}

/** True when an executable of this name is on the PATH. */
export function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * Starts a long-running server detached from this process, with its output in
 * `logFile`, so it outlives the command that started it (npm test, npm start)
 * until it is stopped on purpose.
 */
export function spawnDetached(command: string, args: readonly string[], logFile: string, cwd?: string): number {
  const fd = fs.openSync(logFile, "a");
  const child = spawn(command, args, { detached: true, stdio: ["ignore", fd, fd], cwd });
  fs.closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child.pid;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("timeout", () => { socket.destroy(); resolve(false); });
    socket.once("error", () => resolve(false));
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** The last lines of a log file, or a note that it does not exist. */
export function tailFile(file: string, lines = 40): string {
  try {
    return tail(fs.readFileSync(file, "utf8"), lines);
  } catch {
    return `(no log at ${file})`;
  }
}

/** True when the process with this pid is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads a pid file; undefined when absent or stale. */
export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0]?.trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Sends SIGTERM, waits up to `timeoutMs`, then SIGKILL. */
export async function terminate(pid: number, timeoutMs = 20_000): Promise<void> {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitUntil(async () => !alive(pid), timeoutMs, 100)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Error for a port held by a process that is not the server we expect. */
export function portBusyError(port: number, what: string, variable: string): Error {
  return new Error(
    `Port ${port} (${what}) is in use by another process that is not a healthy ${what}. ` +
      `Stop that process or choose a free port with ${variable}=<port>.`,
  );
}

/** A server process this process started (a child: it stops when asked). */
export interface ChildServer {
  stop(): Promise<void>;
}

/**
 * Starts `command` as a child writing to `logFile`, and resolves once
 * `readyUrl` answers 2xx (polled, 2 s per try) within `timeoutMs`; otherwise
 * stops it and throws with the log's tail. For the operator's tools npm start
 * and the tests run (Prometheus, Jaeger): they stop with whoever started them.
 */
export async function startChildServer(what: string, command: string, args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly logFile: string; readonly readyUrl: string; readonly timeoutMs?: number }): Promise<ChildServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log = fs.openSync(options.logFile, "a");
  const child = spawn(command, [...args], { env: options.env ?? process.env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const answers = async () => {
    try {
      return (await fetch(options.readyUrl, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  };
  if (!(await waitUntil(async () => child.exitCode === null && (await answers()), timeoutMs))) {
    await stop();
    throw new Error(`${what} did not answer ${options.readyUrl} within ${timeoutMs / 1000} s.\n--- ${options.logFile} ---\n${tailFile(options.logFile)}`);
  }
  return { stop };
}
