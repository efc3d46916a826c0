import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./config.js";

/** Runs `npx tsx scripts/infra/cli.ts <args>` as a user would, without the options of the npm run that runs this test. */
function infraCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { NODE_OPTIONS: _inherited, npm_config_node_options: _npm, ...env } = process.env;
  const child = spawn("npx", ["tsx", "scripts/infra/cli.ts", ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

describe("npm run infra", () => {
  it("reports a healthy infrastructure without warnings", async () => {
    const { code, stdout, stderr } = await infraCli("status");
    expect(stdout).toMatch(/^kafka\s+up/m);
    expect(code).toBe(0);
    expect(stderr).not.toContain("TimeoutNegativeWarning");
    expect(stderr.trim()).toBe("");
  });
});
