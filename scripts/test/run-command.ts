import { spawn } from "node:child_process";
import { repoRoot } from "../infra/config.js";

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}; every field has a documented default. */
export interface RunCommandOptions {
  /** Variables added to this process's environment. Default none. */
  readonly env?: Record<string, string>;
  /**
   * Run without the node options npm gives the test run (.npmrc), as a user's
   * shell would, so the command's own set-up is what is tested. Default false.
   */
  readonly withoutNpmNodeOptions?: boolean;
}

/** Runs `npx tsx <script> <args>` from the repository root to completion, as a user would run it. */
export function runTsxCommand(script: string, args: readonly string[] = [], options: RunCommandOptions = {}): Promise<CommandResult> {
  const { NODE_OPTIONS: _inherited, npm_config_node_options: _npm, ...withoutNpm } = process.env;
  const base = options.withoutNpmNodeOptions === true ? withoutNpm : process.env;
  const child = spawn("npx", ["tsx", script, ...args], { cwd: repoRoot, env: { ...base, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
