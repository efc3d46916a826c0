import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { repoRoot } from "../../scripts/infra/config.js";

/** Tells the bench (the parent process) that a server listens, and on which port. */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

/**
 * Starts bench/servers/<script> and resolves with the ports it announced.
 * `cpu` pins it to one core (taskset); unpinned it may use every core.
 */
export async function startBenchServer(script: string, env: NodeJS.ProcessEnv, cpu?: number): Promise<{ child: ChildProcess; port: number; edgePort?: number }> {
  const command = [process.execPath, "--import", "tsx", path.join(repoRoot, "bench", "servers", script)];
  const [file, ...args] = cpu === undefined ? command : ["taskset", "-c", String(cpu), ...command];
  const child = spawn(file!, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const ready = await new Promise<{ port: number; edgePort?: number }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { port?: number; edgePort?: number };
        if (typeof parsed.port === "number") resolve(parsed as { port: number; edgePort?: number });
      } catch {
        // a log line
      }
    });
  });
  return { child, ...ready };
}
