import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { expect, it } from "vitest";
import { createTestPki } from "./harness.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");

it("a service whose close hangs exits 1 by its shutdown deadline, naming what hung, instead of waiting for SIGKILL", async () => {
  const pkiDir = (await createTestPki()).dir;
  const policy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chaos-policy-")), "policy.json");
  fs.writeFileSync(policy, JSON.stringify({ trustDomain: "chaos.world", namespace: "chaos", services: {} }));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "mesh/test/fixtures/hanging-close.ts")], {
    cwd: repoRoot,
    env: { ...process.env, CHAOS_PKI_DIR: pkiDir, CHAOS_POLICY: policy, CHAOS_INTERNAL_PORT: "0", CHAOS_EDGE_PORT: "0", CHAOS_ADMIN_PORT: "0", CHAOS_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`the fixture exited with ${code} before it was ready:\n${lines.join("\n")}`)));
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (line.startsWith('{"ready":"echo"')) resolve();
      });
    }
  });
  try {
    await ready;
    const signalled = Date.now();
    child.kill("SIGTERM");
    // Its grace (200 ms) and close budget (500 ms) are past long before the hanging close (60 s) would end.
    expect(await exited).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    const fatal = lines.map((line) => JSON.parse(line.startsWith("{") ? line : "{}") as { level?: number; msg?: string; closing?: string }).find((entry) => entry.closing !== undefined);
    expect(fatal).toMatchObject({ closing: "the service's own work (onStop)", msg: "shutdown overran its deadline while closing the service's own work (onStop); exiting" });
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}, 60_000);
